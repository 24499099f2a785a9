// The grammar every Sealpost blob follows (specified in FORMAT.md): a format byte first,
// so algorithms can change later without guessing; domain-separation labels under
// "sealpost/v1/"; and the AEAD envelope used by all small blobs:
//
//   envelope = format(1) || nonce(24) || XChaCha20-Poly1305(plaintext, ad = label)
//
// The nonce is random: 192 bits make collisions negligible however many blobs one key
// encrypts, so no counter has to be stored anywhere.

import { CryptoError } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from './primitives.ts';
import { concatBytes } from './bytes.ts';

/** Every label begins with this, so a v2 can never collide with v1. */
export const LABEL_PREFIX = 'sealpost/v1/';

/** Domain-separation labels: subkey derivation inputs and AEAD associated data. */
export const LABELS = {
  authKey: 'sealpost/v1/auth-key',
  kek: 'sealpost/v1/kek',
  verifier: 'sealpost/v1/verifier',
  fakeSalt: 'sealpost/v1/fake-salt\0', // followed by the lower-cased address
  serverTag: 'sealpost/v1/server-tag/', // followed by the purpose, NUL, the message
  appSecret: 'sealpost/v1/app-secret/', // followed by kind, NUL, normalised secret
  keySlot: 'sealpost/v1/key-slot/', // followed by the slot purpose
  identity: 'sealpost/v1/identity',
  identityKey: 'sealpost/v1/identity-key',
  contentKey: 'sealpost/v1/content-key',
  contentKeyWrap: 'sealpost/v1/content-key-wrap',
  metadata: 'sealpost/v1/metadata',
  metadataKey: 'sealpost/v1/metadata-key',
  bodyKey: 'sealpost/v1/body-key',
  record: 'sealpost/v1/record/', // followed by the caller's record label
  searchIndexKey: 'sealpost/v1/search-index-key',
  searchIndexName: 'sealpost/v1/search-index-name',
} as const;

/** Format byte of v1 envelopes, key slots, identities, metadata, bodies and records. */
export const FORMAT_V1 = 0x01;
/** Content keys have two v1 forms, told apart by their format byte. */
export const CONTENT_KEY_SEALED = 0x01;
export const CONTENT_KEY_WRAPPED = 0x02;

export const ENVELOPE_OVERHEAD = 1 + AEAD_NONCE_BYTES + AEAD_TAG_BYTES; // 41 bytes

export function formatByteName(byte: number | undefined): string {
  return byte === undefined ? 'none' : `0x${byte.toString(16).padStart(2, '0')}`;
}

export function sealEnvelope(p: SodiumPrimitives, format: number, key: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, nonce: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(format), nonce, p.aeadEncrypt(plaintext, ad, nonce, key)]);
}

/**
 * Opens an envelope, checking in order: format byte (UNSUPPORTED_VERSION), length
 * (TRUNCATED when bytes are missing, MALFORMED when a fixed-size blob is too long), then
 * authenticity (AUTHENTICATION_FAILED: wrong key, wrong label, or altered bytes, which the
 * AEAD cannot tell apart). `what` names the blob in error messages.
 */
export function openEnvelope(
  p: SodiumPrimitives,
  format: number,
  key: Uint8Array,
  ad: Uint8Array,
  envelope: Uint8Array,
  what: string,
  plaintextLength?: number,
): Uint8Array {
  if (envelope.length === 0) throw new CryptoError('TRUNCATED', `${what} is empty`);
  if (envelope[0] !== format) {
    throw new CryptoError('UNSUPPORTED_VERSION', `${what} has format byte ${formatByteName(envelope[0])}; this version reads ${formatByteName(format)}`);
  }
  const minimum = ENVELOPE_OVERHEAD + (plaintextLength ?? 0);
  if (envelope.length < minimum) {
    throw new CryptoError('TRUNCATED', `${what} is ${envelope.length} bytes, shorter than ${minimum}`);
  }
  if (plaintextLength !== undefined && envelope.length > minimum) {
    throw new CryptoError('MALFORMED', `${what} is ${envelope.length} bytes, expected ${minimum}`);
  }
  const nonce = envelope.subarray(1, 1 + AEAD_NONCE_BYTES);
  const plaintext = p.aeadDecrypt(envelope.subarray(1 + AEAD_NONCE_BYTES), ad, nonce, key);
  if (!plaintext) {
    throw new CryptoError('AUTHENTICATION_FAILED', `${what} did not authenticate (wrong key or purpose, or altered)`);
  }
  return plaintext;
}
