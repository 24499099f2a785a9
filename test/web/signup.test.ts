// Signup without personal data: keys built by the client, a proof of work instead of a
// captcha, the address rules, and the recovery code that unlocks the mailbox.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { leadingZeroBits, solveProofOfWork } from '../../shared/proof-of-work.ts';
import { b64, DOMAIN, startWebTestbed, type WebTestbed } from './support.ts';

describe('web signup', () => {
  let bed: WebTestbed;

  before(async () => {
    bed = await startWebTestbed();
  });
  after(() => bed.close());

  test('a signup with solved proof of work creates an account that logs in and recovers', async () => {
    const client = bed.client();
    const address = `newcomer@${DOMAIN}`;
    const { response, recoveryCode } = await client.signup(address);
    assert.equal(response.status, 201);
    assert.deepEqual(response.body, { address });
    assert.equal((await client.login(address)).status, 200);
    const recovered = await bed.core.accounts.unlockWithAppSecret(address, recoveryCode, 'recovery');
    assert.deepEqual(Buffer.from(recovered.keys.publicKey), Buffer.from(client.keys!.publicKey), 'the recovery code opens the same mailbox');
    const folders = await client.request('GET', '/api/folders');
    assert.deepEqual(folders.body.folders.map((folder: { specialUse: string }) => folder.specialUse).sort(), [
      '\\Archive',
      '\\Drafts',
      '\\Inbox',
      '\\Junk',
      '\\Sent',
      '\\Trash',
    ]);
  });

  test('the options name the domains and the KDF parameters to use', async () => {
    const options = await bed.client().request('GET', '/api/signup/options');
    assert.deepEqual(options.body, {
      enabled: true,
      domains: [DOMAIN],
      kdf: { algorithm: 'argon2id13', opsLimit: bed.config.passwordKdf.opsLimit, memLimitBytes: bed.config.passwordKdf.memLimitBytes },
    });
  });

  test("the shared puzzle solver finds a nonce that Node's own SHA-256 confirms", async () => {
    const bits = 12;
    const nonce = await solveProofOfWork('fixed-challenge', bits);
    assert.ok(leadingZeroBits(createHash('sha256').update(`fixed-challenge:${nonce}`).digest()) >= bits);
    assert.equal(leadingZeroBits(new Uint8Array([0, 0, 0x10, 0xff])), 19);
  });

  test('a challenge is good for one attempt, and only when solved', async () => {
    const client = bed.client();
    const first = await client.signup(`retry-one@${DOMAIN}`);
    assert.equal(first.response.status, 201);
    const challenge = await client.request('POST', '/api/signup/challenge');
    const nonce = await solveProofOfWork(challenge.body.challenge, challenge.body.bits);
    const wrong = unsolvingNonce(challenge.body.challenge, challenge.body.bits);
    const attempt = (nonceToSend: string, address: string) =>
      client.request('POST', '/api/signup', { address, challenge: challenge.body.challenge, nonce: nonceToSend, keys: dummyKeys(bed) });
    const unsolved = await attempt(wrong, `retry-two@${DOMAIN}`);
    assert.equal(unsolved.status, 400);
    assert.equal(unsolved.body.code, 'PROOF_OF_WORK_FAILED');
    const replay = await attempt(nonce, `retry-two@${DOMAIN}`);
    assert.equal(replay.body.code, 'PROOF_OF_WORK_FAILED', 'the challenge was used up by the failed attempt');
    const expired = await client.request('POST', '/api/signup/challenge');
    bed.clock.advance(11 * 60_000);
    const late = await client.request('POST', '/api/signup', {
      address: `retry-three@${DOMAIN}`,
      challenge: expired.body.challenge,
      nonce: await solveProofOfWork(expired.body.challenge, expired.body.bits),
      keys: dummyKeys(bed),
    });
    assert.equal(late.body.code, 'PROOF_OF_WORK_FAILED');
    assert.equal(await bed.core.accounts.findIdByAddress(`retry-two@${DOMAIN}`), undefined);
  });

  test('the address check applies the address rules and tells taken addresses', async () => {
    const client = bed.client();
    await bed.createAccount(`taken-name@${DOMAIN}`);
    const check = async (address: string) => (await client.request('POST', '/api/signup/address-check', { address })).body;
    assert.deepEqual(await check(`free-name@${DOMAIN}`), { available: true });
    assert.equal((await check(`taken-name@${DOMAIN}`)).code, 'ADDRESS_TAKEN');
    assert.equal((await check(`TAKEN-name@${DOMAIN}`)).code, 'ADDRESS_TAKEN');
    for (const bad of [`abc@${DOMAIN}`, `1abcde@${DOMAIN}`, `ab..cde@${DOMAIN}`, `abcde-@${DOMAIN}`, `${'a'.repeat(31)}@${DOMAIN}`, 'no-at-sign']) {
      assert.equal((await check(bad)).code, 'ADDRESS_INVALID', bad);
    }
    assert.equal((await check('someone@elsewhere.example')).code, 'DOMAIN_UNKNOWN');
  });

  test('a taken address, a weak KDF and a malformed key are refused', async () => {
    const client = bed.client();
    await bed.createAccount(`occupied@${DOMAIN}`);
    const taken = await client.signup(`occupied@${DOMAIN}`);
    assert.equal(taken.response.status, 409);
    assert.equal(taken.response.body.code, 'ADDRESS_TAKEN');

    const challenge = await client.request('POST', '/api/signup/challenge');
    const nonce = await solveProofOfWork(challenge.body.challenge, challenge.body.bits);
    const weak = await client.request('POST', '/api/signup', {
      address: `weakling@${DOMAIN}`,
      challenge: challenge.body.challenge,
      nonce,
      keys: { ...dummyKeys(bed), kdf: { algorithm: 'argon2id13', opsLimit: 1, memLimitBytes: 8192 } },
    });
    assert.equal(weak.body.code, 'KDF_TOO_WEAK');

    const malformed = await client.request('POST', '/api/signup', {
      address: `malformed@${DOMAIN}`,
      challenge: 'x',
      nonce: '1',
      keys: { ...dummyKeys(bed), publicKey: 'not base64!' },
    });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'INVALID_REQUEST');
  });

  test('signups can be switched off', async () => {
    const closed = await startWebTestbed({ overrides: ['web.signupEnabled=false'] });
    try {
      const { response } = await closed.client().signup(`hopeful@${DOMAIN}`);
      assert.equal(response.status, 403);
      assert.equal(response.body.code, 'SIGNUP_DISABLED');
    } finally {
      await closed.close();
    }
  });
});

/** Well-formed key material that no password opens (for refusals before it is used). */
function dummyKeys(bed: WebTestbed) {
  const bytes = (length: number) => b64(bed.crypto.randomBytes(length));
  return {
    kdf: { algorithm: 'argon2id13', opsLimit: bed.config.passwordKdf.opsLimit, memLimitBytes: bed.config.passwordKdf.memLimitBytes },
    salt: bytes(16),
    passwordVerifier: bytes(32),
    passwordSlot: bytes(73),
    publicKey: bytes(32),
    encryptedPrivateKey: bytes(73),
    recovery: { verifier: bytes(32), wrappedMasterKey: bytes(73) },
  };
}

function unsolvingNonce(challenge: string, bits: number): string {
  for (let nonce = 0; ; nonce++) {
    if (leadingZeroBits(createHash('sha256').update(`${challenge}:${nonce}`).digest()) < bits) return String(nonce);
  }
}
