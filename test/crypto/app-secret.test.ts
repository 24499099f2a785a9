// App passwords and recovery codes: shape, alphabet, entropy, uniqueness, normalisation.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_SECRET_ALPHABET, formatAppSecret, normaliseAppSecret } from '../../crypto/app-secret.ts';
import { loadBackends } from './helpers.ts';

const backends = await loadBackends();

describe('app secret alphabet', () => {
  test('32 distinct typeable symbols without look-alikes', () => {
    assert.equal(APP_SECRET_ALPHABET.length, 32);
    assert.equal(new Set(APP_SECRET_ALPHABET).size, 32);
    assert.match(APP_SECRET_ALPHABET, /^[a-z2-9]+$/);
    for (const lookAlike of ['l', 'o', '0', '1']) assert.ok(!APP_SECRET_ALPHABET.includes(lookAlike), lookAlike);
  });

  test('byte b becomes symbol b mod 32: each symbol comes from exactly 8 byte values (no bias)', () => {
    for (let batch = 0; batch < 256 / 32; batch++) {
      const bytes = Uint8Array.from({ length: 32 }, (_, i) => batch * 32 + i);
      assert.equal(formatAppSecret('recovery', bytes).replaceAll('-', ''), APP_SECRET_ALPHABET);
    }
  });
});

for (const { name, crypto } of backends) {
  describe(`app secrets on ${name}`, () => {
    test('app password: 7 groups of 4 symbols, 140 bits', () => {
      const secret = crypto.newAppPassword();
      assert.match(secret, /^([a-km-np-z2-9]{4}-){6}[a-km-np-z2-9]{4}$/);
      assert.equal(secret.replaceAll('-', '').length * Math.log2(APP_SECRET_ALPHABET.length), 140);
    });

    test('recovery code: 8 groups of 4 symbols, 160 bits', () => {
      const secret = crypto.newRecoveryCode();
      assert.match(secret, /^([a-km-np-z2-9]{4}-){7}[a-km-np-z2-9]{4}$/);
      assert.equal(secret.replaceAll('-', '').length * Math.log2(APP_SECRET_ALPHABET.length), 160);
    });

    test('distinct every time, and every symbol used about equally', () => {
      const secrets = Array.from({ length: 2000 }, () => crypto.newAppPassword());
      assert.equal(new Set(secrets).size, secrets.length);
      const counts = new Map<string, number>();
      for (const secret of secrets) for (const symbol of secret.replaceAll('-', '')) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
      assert.equal(counts.size, 32);
      const expected = (2000 * 28) / 32; // 1750; one standard deviation is about 41
      for (const [symbol, count] of counts) assert.ok(Math.abs(count - expected) < 300, `${symbol}: ${count}`);
    });

    test('typed variants derive the same keys: case, spaces, missing or extra dashes', () => {
      const secret = crypto.newAppPassword();
      const compact = secret.replaceAll('-', '');
      const expected = crypto.deriveFromAppSecret(secret, 'app-password');
      const variants = [
        secret.toUpperCase(),
        compact,
        compact.toUpperCase(),
        secret.replaceAll('-', ' '),
        `  ${secret.replaceAll('-', '\t')}\n`,
        compact.replace(/(.)/g, '$1-'),
        `${compact.slice(0, 10)} ${compact.slice(10).toUpperCase()}`,
      ];
      for (const variant of variants) {
        assert.equal(normaliseAppSecret(variant, 'app-password'), compact);
        assert.deepEqual(crypto.deriveFromAppSecret(variant, 'app-password'), expected, JSON.stringify(variant));
      }
    });

    test('derived keys are distinct, the verifier is verifierOf(authKey), and secrets differ', () => {
      const recovery = crypto.newRecoveryCode();
      const derived = crypto.deriveFromAppSecret(recovery, 'recovery');
      assert.notDeepEqual(derived.authKey, derived.kek);
      assert.deepEqual(crypto.verifierOf(derived.authKey), derived.verifier);
      assert.notDeepEqual(crypto.deriveFromAppSecret(crypto.newRecoveryCode(), 'recovery').verifier, derived.verifier);
    });
  });
}
