// SealpostCrypto assembled from the shared modules over one backend's primitives.

import type { SealpostCrypto } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { KEY_BYTES } from './primitives.ts';
import { requireBytes, requireNonNegativeInteger } from './bytes.ts';
import { deriveFromAppSecret, newAppSecret } from './app-secret.ts';
import { decryptBodyRange } from './body-seek.ts';
import { bodyCiphertextSize, bodyPlaintextSize, createBodyDecryptor, createBodyEncryptor } from './body-stream.ts';
import { newIdentity, openIdentity } from './identity.ts';
import { unwrapKey, wrapKey } from './key-slot.ts';
import { deriveFromPassword, fakeSalt, newPasswordSalt, serverTag, verifierOf } from './keys.ts';
import { decryptMetadata, encryptMetadata, isSealedContentKey, openContentKey, sealContentKey, wrapContentKey } from './message.ts';
import { decryptRecord, encryptRecord } from './record.ts';
import { deriveSearchIndexKeys } from './search-index-keys.ts';
import { verifySecretstreamLayout } from './secretstream-state.ts';

/** Checks the backend against what the shared code relies on, then binds the API to it. */
export function createSealpostCrypto(p: SodiumPrimitives): SealpostCrypto {
  verifySecretstreamLayout(p);
  return {
    backendName: p.backendName,

    randomBytes(length) {
      requireNonNegativeInteger(length, 'length');
      return p.randomBytes(length);
    },
    wipe(...buffers) {
      for (const buffer of buffers) if (buffer) p.memzero(buffer);
    },
    equal(a, b) {
      requireBytes(a, 'a');
      requireBytes(b, 'b');
      return p.equal(a, b);
    },

    newPasswordSalt: () => newPasswordSalt(p),
    deriveFromPassword: (password, salt, params) => deriveFromPassword(p, password, salt, params),
    verifierOf(authKey) {
      requireBytes(authKey, 'authKey', KEY_BYTES);
      return verifierOf(p, authKey);
    },
    fakeSalt: (serverSecret, address) => fakeSalt(p, serverSecret, address),
    serverTag: (serverSecret, purpose, message) => serverTag(p, serverSecret, purpose, message),

    newAppPassword: () => newAppSecret(p, 'app-password'),
    newRecoveryCode: () => newAppSecret(p, 'recovery'),
    deriveFromAppSecret: (secret, kind) => deriveFromAppSecret(p, secret, kind),

    newMasterKey: () => p.randomBytes(KEY_BYTES),
    wrapKey: (key, kek, purpose) => wrapKey(p, key, kek, purpose),
    unwrapKey: (wrapped, kek, purpose) => unwrapKey(p, wrapped, kek, purpose),

    newIdentity: (masterKey) => newIdentity(p, masterKey),
    openIdentity: (identity, masterKey) => openIdentity(p, identity, masterKey),

    newContentKey: () => p.randomBytes(KEY_BYTES),
    sealContentKey: (contentKey, publicKey) => sealContentKey(p, contentKey, publicKey),
    wrapContentKey: (contentKey, masterKey) => wrapContentKey(p, contentKey, masterKey),
    openContentKey: (wrapped, keys) => openContentKey(p, wrapped, keys),
    isSealedContentKey,

    encryptMetadata: (contentKey, plaintext) => encryptMetadata(p, contentKey, plaintext),
    decryptMetadata: (contentKey, ciphertext) => decryptMetadata(p, contentKey, ciphertext),

    createBodyEncryptor: (contentKey) => createBodyEncryptor(p, contentKey),
    createBodyDecryptor: (contentKey) => createBodyDecryptor(p, contentKey),
    bodyCiphertextSize,
    bodyPlaintextSize,
    decryptBodyRange: (contentKey, read, ciphertextSize, start, end) => decryptBodyRange(p, contentKey, read, ciphertextSize, start, end),

    deriveSearchIndexKeys: (masterKey) => deriveSearchIndexKeys(p, masterKey),

    encryptRecord: (key, label, plaintext) => encryptRecord(p, key, label, plaintext),
    decryptRecord: (key, label, ciphertext) => decryptRecord(p, key, label, ciphertext),
  };
}
