// What one backend writes, the other reads, in both directions: the server (sodium-native)
// and the browser (WASM) share every format. Argon2id gives identical bytes in sodium-native,
// the WASM build and the `argon2` package (the full password derivation is compared across
// backends by the vectors test).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import type { KeySlotPurpose, PasswordKdfParams } from '../../crypto/api.ts';
import { DEFAULT_PASSWORD_KDF_PARAMS } from '../../crypto/keys.ts';
import { decryptBody, encryptBody, loadBackends, patternBytes, readerOf } from './helpers.ts';

const [native, wasm] = await loadBackends();
const directions = [
  { writer: native, reader: wasm },
  { writer: wasm, reader: native },
];
const BODY_SIZES = [0, 1, 65535, 65536, 65537, 200000, 5 * 1000 * 1000];

for (const { writer, reader } of directions) {
  const w = writer.crypto;
  const r = reader.crypto;
  describe(`${writer.name} writes, ${reader.name} reads`, () => {
    test('key slots for every purpose', () => {
      const masterKey = w.newMasterKey();
      const kek = w.randomBytes(32);
      for (const purpose of ['password', 'app-password', 'recovery'] as KeySlotPurpose[]) {
        assert.deepEqual(r.unwrapKey(w.wrapKey(masterKey, kek, purpose), kek, purpose), masterKey);
      }
    });

    test('identity, sealed and wrapped content keys', () => {
      const masterKey = w.newMasterKey();
      const identity = w.newIdentity(masterKey);
      const keys = r.openIdentity(identity, masterKey);
      assert.deepEqual(keys.publicKey, identity.publicKey);

      const contentKey = w.newContentKey();
      const sealed = w.sealContentKey(contentKey, identity.publicKey);
      assert.equal(sealed.length, 81);
      assert.equal(r.isSealedContentKey(sealed), true);
      assert.deepEqual(r.openContentKey(sealed, keys), contentKey);

      const wrapped = w.wrapContentKey(contentKey, masterKey);
      assert.equal(wrapped.length, 73);
      assert.equal(r.isSealedContentKey(wrapped), false);
      assert.deepEqual(r.openContentKey(wrapped, keys), contentKey);
    });

    test('metadata and records', () => {
      const contentKey = w.newContentKey();
      const metadata = new TextEncoder().encode('Subject: héllo');
      assert.deepEqual(r.decryptMetadata(contentKey, w.encryptMetadata(contentKey, metadata)), metadata);
      const key = w.randomBytes(32);
      const record = patternBytes(3000);
      assert.deepEqual(r.decryptRecord(key, 'spool', w.encryptRecord(key, 'spool', record)), record);
    });

    test('app secrets derive the same keys', () => {
      for (const secret of [w.newAppPassword(), w.newRecoveryCode()]) {
        const kind = secret.length === 34 ? 'app-password' : 'recovery';
        assert.deepEqual(r.deriveFromAppSecret(secret, kind), w.deriveFromAppSecret(secret, kind));
      }
    });

    test(`bodies of ${BODY_SIZES.join(', ')} bytes, whole and by range`, async () => {
      for (const size of BODY_SIZES) {
        const contentKey = w.newContentKey();
        const plaintext = patternBytes(size, size);
        const ciphertext = encryptBody(w, contentKey, plaintext);
        assert.equal(ciphertext.length, w.bodyCiphertextSize(size));
        assert.equal(r.bodyPlaintextSize(ciphertext.length), size);
        assert.deepEqual(decryptBody(r, contentKey, ciphertext), plaintext, `body of ${size}`);
        if (size > 0) {
          const start = Math.floor(size / 3);
          const end = size - Math.floor(size / 5);
          const range = await r.decryptBodyRange(contentKey, readerOf(ciphertext), ciphertext.length, start, end);
          assert.deepEqual(range, plaintext.subarray(start, end), `range of body of ${size}`);
        }
      }
    });
  });
}

describe('Argon2id: sodium-native, WASM and the argon2 package agree', () => {
  const cases: { password: string; params: PasswordKdfParams }[] = [
    { password: 'hunter2', params: { algorithm: 'argon2id13', opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } },
    { password: 'pässwörd \u{1F600}', params: { algorithm: 'argon2id13', opsLimit: 2, memLimitBytes: 9 * 1024 * 1024 } },
    { password: 'correct horse battery staple', params: DEFAULT_PASSWORD_KDF_PARAMS },
  ];
  for (const { password, params } of cases) {
    test(`${params.opsLimit} passes over ${params.memLimitBytes / 1024 / 1024} MiB`, async () => {
      const salt = native.crypto.newPasswordSalt();
      const [fromNative, fromWasm] = [
        await native.primitives.pwhashArgon2id(32, new TextEncoder().encode(password), salt, params.opsLimit, params.memLimitBytes),
        await wasm.primitives.pwhashArgon2id(32, new TextEncoder().encode(password), salt, params.opsLimit, params.memLimitBytes),
      ];
      const fromArgon2Package = await argon2.hash(password, {
        type: argon2.argon2id,
        version: 0x13,
        raw: true,
        salt: Buffer.from(salt),
        timeCost: params.opsLimit,
        memoryCost: params.memLimitBytes / 1024,
        parallelism: 1,
        hashLength: 32,
      });
      assert.deepEqual(fromWasm, fromNative);
      assert.deepEqual(new Uint8Array(fromArgon2Package), fromNative);
    });
  }
});
