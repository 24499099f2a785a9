// Per-message keys and metadata. Each message has a random contentKey; its body and its
// metadata (headers, envelope data) are encrypted under subkeys of it. The contentKey is
// stored in one of two forms, told apart by the format byte:
//
//   sealed  = 0x01 || crypto_box_seal(contentKey, publicKey)              (81 bytes)
//   wrapped = 0x02 || nonce(24) || XChaCha20-Poly1305(contentKey,
//               ad = "sealpost/v1/content-key",
//               key = subkey("sealpost/v1/content-key-wrap", masterKey))   (73 bytes)
//
// Sealed is what delivery writes (it has only the public key); wrapped is what a session
// holding masterKey rewrites it to, since opening it costs a hash and an AEAD instead of an
// X25519 operation.
//
//   metadata = 0x01 || nonce(24) || XChaCha20-Poly1305(plaintext,
//                ad = "sealpost/v1/metadata", key = subkey("sealpost/v1/metadata-key", contentKey))

import type { MailboxKeys } from './api.ts';
import { CryptoError } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { AEAD_NONCE_BYTES, BOX_SEAL_OVERHEAD, KEY_BYTES } from './primitives.ts';
import { concatBytes, requireBytes, utf8 } from './bytes.ts';
import { CONTENT_KEY_SEALED, CONTENT_KEY_WRAPPED, FORMAT_V1, LABELS, formatByteName, openEnvelope, sealEnvelope } from './format.ts';
import { subkey } from './keys.ts';

const SEALED_CONTENT_KEY_BYTES = 1 + BOX_SEAL_OVERHEAD + KEY_BYTES; // 81

export function sealContentKey(p: SodiumPrimitives, contentKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  requireBytes(contentKey, 'contentKey', KEY_BYTES);
  requireBytes(publicKey, 'publicKey', KEY_BYTES);
  return concatBytes([Uint8Array.of(CONTENT_KEY_SEALED), p.boxSeal(contentKey, publicKey)]);
}

/** wrapContentKey with a given nonce (test vectors fix it; the API draws it at random). */
export function wrapContentKeyWithNonce(p: SodiumPrimitives, contentKey: Uint8Array, masterKey: Uint8Array, nonce: Uint8Array): Uint8Array {
  requireBytes(contentKey, 'contentKey', KEY_BYTES);
  requireBytes(masterKey, 'masterKey', KEY_BYTES);
  requireBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  const wrapKey = subkey(p, LABELS.contentKeyWrap, masterKey);
  try {
    return sealEnvelope(p, CONTENT_KEY_WRAPPED, wrapKey, utf8(LABELS.contentKey), contentKey, nonce);
  } finally {
    p.memzero(wrapKey);
  }
}

export function wrapContentKey(p: SodiumPrimitives, contentKey: Uint8Array, masterKey: Uint8Array): Uint8Array {
  return wrapContentKeyWithNonce(p, contentKey, masterKey, p.randomBytes(AEAD_NONCE_BYTES));
}

export function isSealedContentKey(wrapped: Uint8Array): boolean {
  requireBytes(wrapped, 'content key');
  return wrapped[0] === CONTENT_KEY_SEALED;
}

function openSealedContentKey(p: SodiumPrimitives, sealed: Uint8Array, keys: MailboxKeys): Uint8Array {
  if (sealed.length < SEALED_CONTENT_KEY_BYTES) {
    throw new CryptoError('TRUNCATED', `sealed content key is ${sealed.length} bytes, expected ${SEALED_CONTENT_KEY_BYTES}`);
  }
  if (sealed.length > SEALED_CONTENT_KEY_BYTES) {
    throw new CryptoError('MALFORMED', `sealed content key is ${sealed.length} bytes, expected ${SEALED_CONTENT_KEY_BYTES}`);
  }
  requireBytes(keys.publicKey, 'publicKey', KEY_BYTES);
  requireBytes(keys.privateKey, 'privateKey', KEY_BYTES);
  const contentKey = p.boxSealOpen(sealed.subarray(1), keys.publicKey, keys.privateKey);
  if (!contentKey) {
    throw new CryptoError('AUTHENTICATION_FAILED', 'sealed content key did not open (another mailbox, or altered)');
  }
  return contentKey;
}

function openWrappedContentKey(p: SodiumPrimitives, wrapped: Uint8Array, masterKey: Uint8Array): Uint8Array {
  requireBytes(masterKey, 'masterKey', KEY_BYTES);
  const wrapKey = subkey(p, LABELS.contentKeyWrap, masterKey);
  try {
    return openEnvelope(p, CONTENT_KEY_WRAPPED, wrapKey, utf8(LABELS.contentKey), wrapped, 'wrapped content key', KEY_BYTES);
  } finally {
    p.memzero(wrapKey);
  }
}

export function openContentKey(p: SodiumPrimitives, wrapped: Uint8Array, keys: MailboxKeys): Uint8Array {
  requireBytes(wrapped, 'content key');
  if (typeof keys !== 'object' || keys === null) throw new CryptoError('INVALID_ARGUMENT', 'mailbox keys are missing');
  switch (wrapped[0]) {
    case CONTENT_KEY_SEALED:
      return openSealedContentKey(p, wrapped, keys);
    case CONTENT_KEY_WRAPPED:
      return openWrappedContentKey(p, wrapped, keys.masterKey);
    case undefined:
      throw new CryptoError('TRUNCATED', 'content key is empty');
    default:
      throw new CryptoError('UNSUPPORTED_VERSION', `content key has unknown format byte ${formatByteName(wrapped[0])}`);
  }
}

/** encryptMetadata with a given nonce (test vectors fix it; the API draws it at random). */
export function encryptMetadataWithNonce(p: SodiumPrimitives, contentKey: Uint8Array, plaintext: Uint8Array, nonce: Uint8Array): Uint8Array {
  requireBytes(contentKey, 'contentKey', KEY_BYTES);
  requireBytes(plaintext, 'metadata');
  requireBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  const metadataKey = subkey(p, LABELS.metadataKey, contentKey);
  try {
    return sealEnvelope(p, FORMAT_V1, metadataKey, utf8(LABELS.metadata), plaintext, nonce);
  } finally {
    p.memzero(metadataKey);
  }
}

export function encryptMetadata(p: SodiumPrimitives, contentKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return encryptMetadataWithNonce(p, contentKey, plaintext, p.randomBytes(AEAD_NONCE_BYTES));
}

export function decryptMetadata(p: SodiumPrimitives, contentKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  requireBytes(contentKey, 'contentKey', KEY_BYTES);
  requireBytes(ciphertext, 'encrypted metadata');
  const metadataKey = subkey(p, LABELS.metadataKey, contentKey);
  try {
    return openEnvelope(p, FORMAT_V1, metadataKey, utf8(LABELS.metadata), ciphertext, 'encrypted metadata');
  } finally {
    p.memzero(metadataKey);
  }
}
