// Records under a symmetric key the server holds: the outbound spool, and settings the
// server must read while the user is away (documented as operator-readable). The label
// names the record type, so a record never decrypts as another type under the same key.
//
//   record = 0x01 || nonce(24) || XChaCha20-Poly1305(plaintext, ad = "sealpost/v1/record/" label)

import { CryptoError } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { AEAD_NONCE_BYTES, KEY_BYTES } from './primitives.ts';
import { requireBytes, utf8 } from './bytes.ts';
import { FORMAT_V1, LABELS, openEnvelope, sealEnvelope } from './format.ts';

function recordAd(label: string): Uint8Array {
  if (typeof label !== 'string' || label.length === 0) {
    throw new CryptoError('INVALID_ARGUMENT', 'record label must be a non-empty string');
  }
  return utf8(LABELS.record + label);
}

/** encryptRecord with a given nonce (test vectors fix it; the API draws it at random). */
export function encryptRecordWithNonce(p: SodiumPrimitives, key: Uint8Array, label: string, plaintext: Uint8Array, nonce: Uint8Array): Uint8Array {
  requireBytes(key, 'record key', KEY_BYTES);
  requireBytes(plaintext, 'record');
  requireBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  return sealEnvelope(p, FORMAT_V1, key, recordAd(label), plaintext, nonce);
}

export function encryptRecord(p: SodiumPrimitives, key: Uint8Array, label: string, plaintext: Uint8Array): Uint8Array {
  return encryptRecordWithNonce(p, key, label, plaintext, p.randomBytes(AEAD_NONCE_BYTES));
}

export function decryptRecord(p: SodiumPrimitives, key: Uint8Array, label: string, ciphertext: Uint8Array): Uint8Array {
  requireBytes(key, 'record key', KEY_BYTES);
  requireBytes(ciphertext, 'encrypted record');
  return openEnvelope(p, FORMAT_V1, key, recordAd(label), ciphertext, `${label} record`);
}
