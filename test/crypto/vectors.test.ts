// Both backends reproduce every checked-in vector byte for byte (using the internal variants
// that take the nonce, header or private key the API would draw at random), and open every
// recorded blob through the public API.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AppSecretKind, KeySlotPurpose } from '../../crypto/api.ts';
import { deriveFromAppSecret, formatAppSecret } from '../../crypto/app-secret.ts';
import { createBodyEncryptorWithHeader } from '../../crypto/body-stream.ts';
import { identityFromPrivateKey } from '../../crypto/identity.ts';
import { wrapKeyWithNonce } from '../../crypto/key-slot.ts';
import { fakeSalt, serverTag, subkey } from '../../crypto/keys.ts';
import { encryptMetadataWithNonce, wrapContentKeyWithNonce } from '../../crypto/message.ts';
import { encryptRecordWithNonce } from '../../crypto/record.ts';
import { concat, decryptBody, fromHex, loadBackends, patternBytes, toHex } from './helpers.ts';

interface Vectors {
  subkey: { label: string; key: string; output: string }[];
  password: {
    password: string;
    salt: string;
    opsLimit: number;
    memLimitBytes: number;
    authKey: string;
    kek: string;
    verifier: string;
  }[];
  fakeSalt: { serverSecret: string; address: string; salt: string }[];
  serverTag: { serverSecret: string; purpose: string; message: string; tag: string }[];
  appSecret: {
    kind: AppSecretKind;
    random: string;
    formatted: string;
    typed: string;
    authKey: string;
    kek: string;
    verifier: string;
  }[];
  keySlot: { purpose: KeySlotPurpose; key: string; kek: string; nonce: string; wrapped: string }[];
  identity: { masterKey: string; privateKey: string; nonce: string; publicKey: string; encryptedPrivateKey: string }[];
  sealedContentKey: { contentKey: string; publicKey: string; privateKey: string; sealed: string }[];
  wrappedContentKey: { contentKey: string; masterKey: string; nonce: string; wrapped: string }[];
  metadata: { contentKey: string; nonce: string; plaintext: string; ciphertext: string }[];
  body: {
    contentKey: string;
    streamHeader: string;
    plaintextSize: number;
    ciphertextSize: number;
    ciphertext?: string;
    ciphertextSha256?: string;
  }[];
  record: { key: string; label: string; nonce: string; plaintext: string; ciphertext: string }[];
  searchIndex: { masterKey: string; recordKey: string; storeId: string }[];
}

const vectors = JSON.parse(readFileSync(new URL('../vectors/crypto-v1.json', import.meta.url), 'utf8')) as Vectors;
const backends = await loadBackends();

for (const { name, primitives: p, crypto } of backends) {
  describe(`crypto v1 vectors on ${name}`, () => {
    test('subkey', () => {
      assert.ok(vectors.subkey.length >= 9);
      for (const v of vectors.subkey) assert.equal(toHex(subkey(p, v.label, fromHex(v.key))), v.output, v.label);
    });

    test('password derivation (Argon2id), including one at the default cost', async () => {
      assert.ok(vectors.password.some((v) => v.opsLimit === 3 && v.memLimitBytes === 64 * 1024 * 1024));
      for (const v of vectors.password) {
        const derived = await crypto.deriveFromPassword(v.password, fromHex(v.salt), {
          algorithm: 'argon2id13',
          opsLimit: v.opsLimit,
          memLimitBytes: v.memLimitBytes,
        });
        assert.equal(toHex(derived.authKey), v.authKey, `${v.password} ${v.opsLimit}/${v.memLimitBytes}`);
        assert.equal(toHex(derived.kek), v.kek);
        assert.equal(toHex(derived.verifier), v.verifier);
        assert.equal(toHex(crypto.verifierOf(derived.authKey)), v.verifier);
      }
    });

    // These were computed with Python's hashlib.blake2b, apart from this code.
    test('server tag', () => {
      for (const v of vectors.serverTag) {
        assert.equal(toHex(serverTag(p, fromHex(v.serverSecret), v.purpose, v.message)), v.tag, v.purpose);
        assert.equal(toHex(crypto.serverTag(fromHex(v.serverSecret), v.purpose, v.message)), v.tag);
      }
    });

    test('fake salt', () => {
      for (const v of vectors.fakeSalt) {
        assert.equal(toHex(fakeSalt(p, fromHex(v.serverSecret), v.address)), v.salt, v.address);
        assert.equal(toHex(crypto.fakeSalt(fromHex(v.serverSecret), v.address)), v.salt);
      }
    });

    test('app secrets: formatting and derivation from the shown and the typed form', () => {
      for (const v of vectors.appSecret) {
        assert.equal(formatAppSecret(v.kind, fromHex(v.random)), v.formatted);
        for (const text of [v.formatted, v.typed]) {
          const derived = crypto.deriveFromAppSecret(text, v.kind);
          assert.equal(toHex(derived.authKey), v.authKey);
          assert.equal(toHex(derived.kek), v.kek);
          assert.equal(toHex(derived.verifier), v.verifier);
        }
        assert.equal(toHex(deriveFromAppSecret(p, v.formatted, v.kind).verifier), v.verifier);
      }
    });

    test('key slots', () => {
      for (const v of vectors.keySlot) {
        const wrapped = wrapKeyWithNonce(p, fromHex(v.key), fromHex(v.kek), v.purpose, fromHex(v.nonce));
        assert.equal(toHex(wrapped), v.wrapped, v.purpose);
        assert.equal(toHex(crypto.unwrapKey(fromHex(v.wrapped), fromHex(v.kek), v.purpose)), v.key);
      }
    });

    test('identity', () => {
      for (const v of vectors.identity) {
        const identity = identityFromPrivateKey(p, fromHex(v.masterKey), fromHex(v.privateKey), fromHex(v.nonce));
        assert.equal(toHex(identity.publicKey), v.publicKey);
        assert.equal(toHex(identity.encryptedPrivateKey), v.encryptedPrivateKey);
        const keys = crypto.openIdentity({ publicKey: fromHex(v.publicKey), encryptedPrivateKey: fromHex(v.encryptedPrivateKey) }, fromHex(v.masterKey));
        assert.equal(toHex(keys.privateKey), v.privateKey);
        assert.equal(toHex(keys.masterKey), v.masterKey);
      }
    });

    test('sealed content key opens', () => {
      for (const v of vectors.sealedContentKey) {
        const keys = { masterKey: new Uint8Array(32), publicKey: fromHex(v.publicKey), privateKey: fromHex(v.privateKey) };
        assert.equal(crypto.isSealedContentKey(fromHex(v.sealed)), true);
        assert.equal(toHex(crypto.openContentKey(fromHex(v.sealed), keys)), v.contentKey);
      }
    });

    test('wrapped content key', () => {
      for (const v of vectors.wrappedContentKey) {
        const wrapped = wrapContentKeyWithNonce(p, fromHex(v.contentKey), fromHex(v.masterKey), fromHex(v.nonce));
        assert.equal(toHex(wrapped), v.wrapped);
        assert.equal(crypto.isSealedContentKey(wrapped), false);
        const keys = { masterKey: fromHex(v.masterKey), publicKey: new Uint8Array(32), privateKey: new Uint8Array(32) };
        assert.equal(toHex(crypto.openContentKey(wrapped, keys)), v.contentKey);
      }
    });

    test('metadata', () => {
      for (const v of vectors.metadata) {
        const ciphertext = encryptMetadataWithNonce(p, fromHex(v.contentKey), fromHex(v.plaintext), fromHex(v.nonce));
        assert.equal(toHex(ciphertext), v.ciphertext);
        assert.equal(toHex(crypto.decryptMetadata(fromHex(v.contentKey), ciphertext)), v.plaintext);
      }
    });

    test('bodies', () => {
      for (const v of vectors.body) {
        const plaintext = patternBytes(v.plaintextSize);
        const encryptor = createBodyEncryptorWithHeader(p, fromHex(v.contentKey), fromHex(v.streamHeader));
        const ciphertext = concat([encryptor.push(plaintext), encryptor.final()]);
        assert.equal(ciphertext.length, v.ciphertextSize);
        assert.equal(crypto.bodyCiphertextSize(v.plaintextSize), v.ciphertextSize);
        if (v.ciphertext !== undefined) assert.equal(toHex(ciphertext), v.ciphertext, `body of ${v.plaintextSize}`);
        else assert.equal(createHash('sha256').update(ciphertext).digest('hex'), v.ciphertextSha256, `body of ${v.plaintextSize}`);
        assert.deepEqual(decryptBody(crypto, fromHex(v.contentKey), ciphertext), plaintext);
      }
    });

    test('search index keys', () => {
      assert.ok(vectors.searchIndex.length >= 1);
      for (const v of vectors.searchIndex) {
        const keys = crypto.deriveSearchIndexKeys(fromHex(v.masterKey));
        assert.equal(toHex(keys.recordKey), v.recordKey);
        assert.equal(toHex(keys.storeId), v.storeId);
        assert.equal(toHex(subkey(p, 'sealpost/v1/search-index-key', fromHex(v.masterKey))), v.recordKey, 'the record key is the labelled subkey');
      }
    });

    test('records', () => {
      for (const v of vectors.record) {
        const ciphertext = encryptRecordWithNonce(p, fromHex(v.key), v.label, fromHex(v.plaintext), fromHex(v.nonce));
        assert.equal(toHex(ciphertext), v.ciphertext, v.label);
        assert.equal(toHex(crypto.decryptRecord(fromHex(v.key), v.label, ciphertext)), v.plaintext);
      }
    });
  });
}
