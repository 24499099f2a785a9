// The mailbox identity: an X25519 keypair. Mail arriving while the user is away is sealed
// to the public key; the private key is stored encrypted under a masterKey subkey.
//
//   encryptedPrivateKey = 0x01 || nonce(24) ||
//     XChaCha20-Poly1305(privateKey, ad = "sealpost/v1/identity",
//                        key = subkey("sealpost/v1/identity-key", masterKey))

import type { Identity, MailboxKeys } from './api.ts';
import { CryptoError } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { AEAD_NONCE_BYTES, KEY_BYTES } from './primitives.ts';
import { requireBytes, utf8 } from './bytes.ts';
import { FORMAT_V1, LABELS, openEnvelope, sealEnvelope } from './format.ts';
import { subkey } from './keys.ts';

/**
 * The identity for a given private key and nonce (test vectors fix them; newIdentity draws
 * them at random). A random 32-byte private key and its scalarmult_base public key are
 * exactly what crypto_box_keypair makes.
 */
export function identityFromPrivateKey(p: SodiumPrimitives, masterKey: Uint8Array, privateKey: Uint8Array, nonce: Uint8Array): Identity {
  requireBytes(masterKey, 'masterKey', KEY_BYTES);
  requireBytes(privateKey, 'privateKey', KEY_BYTES);
  requireBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  const identityKey = subkey(p, LABELS.identityKey, masterKey);
  try {
    return {
      publicKey: p.scalarmultBase(privateKey),
      encryptedPrivateKey: sealEnvelope(p, FORMAT_V1, identityKey, utf8(LABELS.identity), privateKey, nonce),
    };
  } finally {
    p.memzero(identityKey);
  }
}

export function newIdentity(p: SodiumPrimitives, masterKey: Uint8Array): Identity {
  const privateKey = p.randomBytes(KEY_BYTES);
  try {
    return identityFromPrivateKey(p, masterKey, privateKey, p.randomBytes(AEAD_NONCE_BYTES));
  } finally {
    p.memzero(privateKey);
  }
}

/** Decrypts the private key and checks it belongs to the public key, so a swapped public
 * key (mail sealed to someone else's key) is caught here rather than per message. */
export function openIdentity(p: SodiumPrimitives, identity: Identity, masterKey: Uint8Array): MailboxKeys {
  requireBytes(masterKey, 'masterKey', KEY_BYTES);
  requireBytes(identity?.publicKey, 'identity.publicKey', KEY_BYTES);
  requireBytes(identity.encryptedPrivateKey, 'identity.encryptedPrivateKey');
  const identityKey = subkey(p, LABELS.identityKey, masterKey);
  let privateKey: Uint8Array;
  try {
    privateKey = openEnvelope(p, FORMAT_V1, identityKey, utf8(LABELS.identity), identity.encryptedPrivateKey, 'encrypted private key', KEY_BYTES);
  } finally {
    p.memzero(identityKey);
  }
  const derivedPublicKey = p.scalarmultBase(privateKey);
  if (!p.equal(derivedPublicKey, identity.publicKey)) {
    p.memzero(privateKey);
    throw new CryptoError('AUTHENTICATION_FAILED', 'the private key does not match the identity public key');
  }
  return { masterKey: masterKey.slice(), publicKey: identity.publicKey.slice(), privateKey };
}
