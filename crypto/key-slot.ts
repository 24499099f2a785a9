// Key slots: the masterKey wrapped under a kek (from the password, an app secret or the
// recovery code). The purpose is bound as associated data, so a slot made for one purpose
// never opens as another, even under the same kek.
//
//   slot = 0x01 || nonce(24) || XChaCha20-Poly1305(key, ad = "sealpost/v1/key-slot/" purpose)

import type { KeySlotPurpose } from './api.ts';
import { CryptoError } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { AEAD_NONCE_BYTES, KEY_BYTES } from './primitives.ts';
import { requireBytes, utf8 } from './bytes.ts';
import { FORMAT_V1, LABELS, openEnvelope, sealEnvelope } from './format.ts';

const PURPOSES: readonly KeySlotPurpose[] = ['password', 'app-password', 'recovery'];

function slotAd(purpose: KeySlotPurpose): Uint8Array {
  if (!PURPOSES.includes(purpose)) {
    throw new CryptoError('INVALID_ARGUMENT', `unknown key slot purpose ${String(purpose)}`);
  }
  return utf8(LABELS.keySlot + purpose);
}

/** wrapKey with a given nonce (test vectors fix it; the API draws it at random). */
export function wrapKeyWithNonce(p: SodiumPrimitives, key: Uint8Array, kek: Uint8Array, purpose: KeySlotPurpose, nonce: Uint8Array): Uint8Array {
  requireBytes(key, 'key', KEY_BYTES);
  requireBytes(kek, 'kek', KEY_BYTES);
  requireBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  return sealEnvelope(p, FORMAT_V1, kek, slotAd(purpose), key, nonce);
}

export function wrapKey(p: SodiumPrimitives, key: Uint8Array, kek: Uint8Array, purpose: KeySlotPurpose): Uint8Array {
  return wrapKeyWithNonce(p, key, kek, purpose, p.randomBytes(AEAD_NONCE_BYTES));
}

export function unwrapKey(p: SodiumPrimitives, wrapped: Uint8Array, kek: Uint8Array, purpose: KeySlotPurpose): Uint8Array {
  requireBytes(wrapped, 'wrapped key');
  requireBytes(kek, 'kek', KEY_BYTES);
  return openEnvelope(p, FORMAT_V1, kek, slotAd(purpose), wrapped, `${purpose} key slot`, KEY_BYTES);
}
