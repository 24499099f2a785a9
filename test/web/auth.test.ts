// Pre-login, login, sessions, CSRF, rate limits and request logging of the web API
// (docs/design.md, Keys and promise 4), through fastify's inject().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { b64, DOMAIN, startWebTestbed, type WebTestbed } from './support.ts';

describe('web authentication', () => {
  let bed: WebTestbed;
  const address = `alice1@${DOMAIN}`;

  before(async () => {
    bed = await startWebTestbed();
    await bed.createAccount(address);
  });
  after(() => bed.close());

  test('pre-login gives the real salt for an account and a stable fake one otherwise', async () => {
    const client = bed.client();
    const real = await client.request('POST', '/api/auth/prelogin', { address: address.toUpperCase() });
    const account = await bed.core.accounts.getByAddress(address);
    assert.equal(real.status, 200);
    assert.equal(real.body.salt, account.kdf.salt);
    const fake = await client.request('POST', '/api/auth/prelogin', { address: `nobody@${DOMAIN}` });
    const again = await client.request('POST', '/api/auth/prelogin', { address: `NoBody@${DOMAIN}` });
    const other = await client.request('POST', '/api/auth/prelogin', { address: `someone@${DOMAIN}` });
    assert.equal(fake.status, 200);
    assert.equal(fake.body.salt, again.body.salt, 'the fake salt is deterministic');
    assert.notEqual(fake.body.salt, other.body.salt);
    assert.equal(Buffer.from(fake.body.salt, 'base64').length, 16);
    assert.deepEqual(Object.keys(fake.body).sort(), Object.keys(real.body).sort(), 'both answers have the same shape');
    assert.deepEqual(fake.body.kdf, real.body.kdf);
  });

  test('login sends the authKey only, sets a strict session cookie and returns the wrapped keys', async () => {
    const client = bed.client();
    const response = await client.login(address);
    assert.equal(response.status, 200);
    const [cookie, device] = response.headers['set-cookie'] as string[];
    assert.match(cookie!, /^__Host-sealpost-session=[\w-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
    assert.match(device!, /^__Host-sealpost-device=\d+\.[\w-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=7776000$/);
    const account = await bed.core.accounts.getByAddress(address);
    assert.ok(!device!.includes(address.split('@')[0]!) && !device!.includes(account.id), 'the device cookie names no account');
    assert.ok(client.keys, 'the returned material unlocks with the password');
    assert.equal(Object.keys(response.body.account).sort().join(), 'address,encryptedPrivateKey,kdf,passwordSlot,publicKey,salt');
    const session = await client.request('GET', '/api/session');
    assert.deepEqual(session.body, { address });
  });

  test('a wrong password and an unknown address fail alike', async () => {
    const client = bed.client('127.0.0.2');
    const wrong = await client.login(address, 'not the password');
    const unknown = await client.login(`ghost@${DOMAIN}`, 'whatever');
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body.code, 'AUTHENTICATION_FAILED');
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  test('authenticated routes need the cookie, and writes need the CSRF token', async () => {
    const client = bed.client();
    assert.equal((await client.request('GET', '/api/folders')).body.code, 'NOT_AUTHENTICATED');
    await client.login(address);
    assert.equal((await client.request('GET', '/api/folders')).status, 200);
    const token = client.csrfToken;
    client.csrfToken = undefined;
    const noToken = await client.request('POST', '/api/session/logout', {});
    assert.equal(noToken.status, 403);
    assert.equal(noToken.body.code, 'CSRF_REJECTED');
    client.csrfToken = 'x'.repeat(token!.length);
    assert.equal((await client.request('POST', '/api/session/logout', {})).status, 403);
    client.csrfToken = token;
    const crossSite = await client.request('GET', '/api/folders', undefined, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    assert.equal((await client.request('GET', '/api/folders')).status, 200, 'the session survived the refused attempts');
  });

  test('logout revokes the session at once', async () => {
    const client = bed.client();
    await client.login(address);
    const logout = await client.request('POST', '/api/session/logout', {});
    assert.equal(logout.status, 204);
    assert.match(String(logout.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await client.request('GET', '/api/session')).status, 401);
  });

  test('an idle session expires, and so does an old one in use', async () => {
    const client = bed.client();
    await client.login(address);
    bed.clock.advance(bed.config.web.sessionIdleMinutes * 60_000 - 1000);
    assert.equal((await client.request('GET', '/api/session')).status, 200);
    bed.clock.advance(bed.config.web.sessionIdleMinutes * 60_000 + 1);
    assert.equal((await client.request('GET', '/api/session')).status, 401);

    await client.login(address);
    for (let elapsed = 0; elapsed < bed.config.web.sessionMaxHours * 60; elapsed += 20) {
      bed.clock.advance(20 * 60_000);
      await client.request('GET', '/api/session');
    }
    bed.clock.advance(60_000);
    assert.equal((await client.request('GET', '/api/session')).status, 401);
  });

  test('login attempts are rate limited per client (an IPv6 /64), in memory', async () => {
    const attempt = (client: ReturnType<WebTestbed['client']>, index: number) =>
      client.request('POST', '/api/auth/login', { address: `bob${index}@${DOMAIN}`, authKey: b64(new Uint8Array(32)) });
    const attacker = bed.client('2001:db8:1:2::9');
    const statuses: number[] = [];
    for (let index = 0; index < 20; index++) statuses.push((await attempt(attacker, index)).status);
    assert.deepEqual(statuses, Array(20).fill(401));
    const limited = await attempt(bed.client('2001:db8:1:2:ffff::1'), 20);
    assert.equal(limited.status, 429, 'another address of the same /64 shares the limit');
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await attempt(bed.client('2001:db8:1:3::9'), 21)).status, 401, 'the next /64 does not');
    bed.clock.advance(61_000);
    assert.equal((await attempt(attacker, 22)).status, 401);
  });

  test('bad input gets a coded 400, never a crash', async () => {
    const client = bed.client();
    for (const payload of [{}, { address: 5 }, { address: 'a@b.c', authKey: 'short' }, { address: 'a@b.c', authKey: b64(new Uint8Array(32)), extra: 1 }]) {
      const response = await client.request('POST', '/api/auth/login', payload);
      assert.equal(response.status, 400, JSON.stringify(payload));
      assert.equal(response.body.code, 'INVALID_REQUEST');
    }
    const garbage = await bed.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"address":' });
    assert.equal(garbage.statusCode, 400);
    assert.equal((await client.request('GET', '/api/no/such/route')).body.code, 'NOT_FOUND');
  });

  test('request logs name no client address, query or secret', async () => {
    const peer = '127.0.0.77';
    const client = bed.client(peer);
    await client.login(address);
    await client.request('GET', `/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address)}`);
    const requestLines = bed.logLines.filter((line) => line.includes('"path"'));
    assert.ok(requestLines.length > 0, 'requests are logged');
    const derived = await client.derive(address, 'correct horse battery staple');
    for (const line of bed.logLines) {
      assert.ok(!line.includes(peer), `no client address: ${line}`);
      assert.ok(!line.includes('emailaddress'), `no query: ${line}`);
      assert.ok(!line.includes(b64(derived.authKey)), 'no authKey');
      assert.ok(!line.includes('sealpost-session'), 'no cookie');
    }
  });
});

describe('web behind a reverse proxy', () => {
  /** Two clients of one proxy at 127.0.0.1, named by X-Forwarded-For. */
  const prelogins = async (bed: WebTestbed, forwardedFor: string, count: number) => {
    const proxy = bed.client('127.0.0.1');
    const statuses: number[] = [];
    for (let index = 0; index < count; index++) {
      statuses.push((await proxy.request('POST', '/api/auth/prelogin', { address: `someone${index}@${DOMAIN}` }, { 'x-forwarded-for': forwardedFor })).status);
    }
    return statuses;
  };

  test('with the proxy trusted, each client it names has its own rate limit', async () => {
    const bed = await startWebTestbed({ overrides: ['web.trustedProxies=127.0.0.1'] });
    try {
      assert.equal((await prelogins(bed, '198.51.100.1', 61)).at(-1), 429);
      assert.deepEqual(await prelogins(bed, '198.51.100.2', 1), [200]);
      assert.ok(!bed.logLines.some((line) => line.includes('198.51.100.')), 'no forwarded address is logged');
    } finally {
      await bed.close();
    }
  });

  test("without it, the proxy's clients share one limit and X-Forwarded-For is ignored", async () => {
    const bed = await startWebTestbed();
    try {
      assert.equal((await prelogins(bed, '198.51.100.1', 61)).at(-1), 429);
      assert.deepEqual(await prelogins(bed, '198.51.100.2', 1), [429]);
    } finally {
      await bed.close();
    }
  });
});
