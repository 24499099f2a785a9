// Key hierarchy behaviour beyond the vectors: the default cost, password normalisation,
// fake salts, ownership of returned keys, and the small helpers.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PASSWORD_KDF_PARAMS } from '../../crypto/index.ts';
import { loadBackends } from './helpers.ts';

const FAST_PARAMS = { algorithm: 'argon2id13', opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } as const;

test('default password cost: Argon2id, 3 passes over 64 MiB', () => {
  assert.deepEqual({ ...DEFAULT_PASSWORD_KDF_PARAMS }, { algorithm: 'argon2id13', opsLimit: 3, memLimitBytes: 64 * 1024 * 1024 });
  assert.ok(Object.isFrozen(DEFAULT_PASSWORD_KDF_PARAMS));
});

for (const { name, crypto } of await loadBackends()) {
  describe(`keys on ${name}`, () => {
    test('password: NFC-normalised; salt, password and cost each change every key', async () => {
      const salt = crypto.newPasswordSalt();
      const composed = await crypto.deriveFromPassword('caf\u00e9', salt, FAST_PARAMS);
      assert.deepEqual(await crypto.deriveFromPassword('cafe\u0301', salt, FAST_PARAMS), composed);
      assert.deepEqual(crypto.verifierOf(composed.authKey), composed.verifier);
      assert.notDeepEqual(composed.authKey, composed.kek);
      for (const other of [
        await crypto.deriveFromPassword('caf\u00e9', crypto.newPasswordSalt(), FAST_PARAMS),
        await crypto.deriveFromPassword('cafe', salt, FAST_PARAMS),
        await crypto.deriveFromPassword('caf\u00e9', salt, { ...FAST_PARAMS, opsLimit: 2 }),
      ]) {
        assert.notDeepEqual(other.authKey, composed.authKey);
        assert.notDeepEqual(other.kek, composed.kek);
        assert.notDeepEqual(other.verifier, composed.verifier);
      }
    });

    test('fake salt: 16 bytes, stable, case-insensitive, different per address and per server secret', () => {
      const secret = crypto.randomBytes(32);
      const salt = crypto.fakeSalt(secret, 'nobody@example.org');
      assert.equal(salt.length, 16);
      assert.deepEqual(crypto.fakeSalt(secret, 'nobody@example.org'), salt);
      assert.deepEqual(crypto.fakeSalt(secret, 'NoBody@Example.ORG'), salt);
      assert.notDeepEqual(crypto.fakeSalt(secret, 'nobody2@example.org'), salt);
      assert.notDeepEqual(crypto.fakeSalt(crypto.randomBytes(32), 'nobody@example.org'), salt);
    });

    test('openIdentity returns keys the session owns: wiping them leaves the caller’s masterKey intact', () => {
      const masterKey = crypto.newMasterKey();
      const original = masterKey.slice();
      const keys = crypto.openIdentity(crypto.newIdentity(masterKey), masterKey);
      crypto.wipe(keys.masterKey, keys.privateKey, keys.publicKey);
      assert.deepEqual(masterKey, original);
      assert.deepEqual(keys.masterKey, new Uint8Array(32));
      assert.deepEqual(keys.privateKey, new Uint8Array(32));
    });

    test('random keys, salts, wipe and equal', () => {
      assert.equal(crypto.newMasterKey().length, 32);
      assert.equal(crypto.newContentKey().length, 32);
      assert.equal(crypto.newPasswordSalt().length, 16);
      assert.equal(crypto.randomBytes(0).length, 0);
      const large = crypto.randomBytes(200000); // more than one Web Crypto call in the WASM backend
      assert.equal(large.length, 200000);
      for (const start of [0, 65536, 131072, 196608]) assert.ok(large.subarray(start, start + 3000).some((byte) => byte !== 0));
      assert.notDeepEqual(crypto.newMasterKey(), crypto.newMasterKey());
      const key = crypto.newMasterKey();
      crypto.wipe(key, undefined);
      assert.deepEqual(key, new Uint8Array(32));
      assert.equal(crypto.equal(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
      assert.equal(crypto.equal(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
      assert.equal(crypto.equal(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)), false);
      assert.equal(crypto.equal(new Uint8Array(0), new Uint8Array(0)), true);
    });
  });
}
