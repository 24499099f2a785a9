// Failed web logins slow an address down and never lock its owner out (issue 12, item 4):
// past the free failures attempts for the address run one at a time, a growing delay apart,
// and are refused only when that queue is longer than a minute; a browser that logged in
// before (its device cookie) is not slowed at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginSlowdown } from '../../server/web/login-slowdown.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { b64, DOMAIN, startWebTestbed, type WebTestbed } from './support.ts';

const settings = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, windowMs: 900_000, maxWaitMs: 60_000 };

describe('login slowdown', () => {
  test('free failures cost nothing; then attempts queue one after another, the spacing doubling to its cap', async (t) => {
    const clock = new ManualClock();
    const slowdown = new LoginSlowdown(settings, clock);
    for (let i = 0; i < 3; i++) {
      await slowdown.admit('alice@x.test');
      slowdown.recordFailure('alice@x.test');
    }
    // Four failures: the first queued attempt runs at once, the next 2 s later (2^1 × 1 s).
    slowdown.recordFailure('alice@x.test');
    await slowdown.admit('alice@x.test');
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let second = false;
    void slowdown.admit('alice@x.test').then(() => (second = true));
    t.mock.timers.tick(1999);
    await Promise.resolve();
    assert.equal(second, false, 'still queued');
    t.mock.timers.tick(1);
    await new Promise((resolve) => process.nextTick(resolve));
    assert.equal(second, true);
    t.mock.timers.reset();
    await slowdown.admit('bob@x.test'); // other addresses are not slowed
  });

  test('a queue longer than a minute is refused with Retry-After; the right password ends the slowdown', async () => {
    const clock = new ManualClock();
    const slowdown = new LoginSlowdown(settings, clock);
    for (let i = 0; i < 10; i++) slowdown.recordFailure('alice@x.test');
    const queued: Promise<void>[] = [];
    let refused: unknown;
    // 8 s apart (the cap): the ninth in line would wait 64 s.
    for (let i = 0; i < 9 && !refused; i++) {
      const admitted = slowdown.admit('alice@x.test');
      admitted.catch((error: unknown) => (refused = error));
      queued.push(admitted.catch(() => undefined));
      await Promise.resolve();
    }
    assert.ok(refused, 'refused past a minute of queue');
    assert.equal((refused as { status: number }).status, 429);
    assert.ok((refused as { retryAfterSeconds?: number }).retryAfterSeconds! > 60);
    assert.equal(queued.length, 9);
    slowdown.recordSuccess('alice@x.test');
    await slowdown.admit('alice@x.test');
  });
});

describe('web login under a guessing attack', () => {
  let bed: WebTestbed;
  const owner = `owner1@${DOMAIN}`;

  before(async () => {
    bed = await startWebTestbed({
      overrides: [
        'web.loginSlowdown.freeFailures=2',
        'web.loginSlowdown.baseDelayMs=50',
        'web.loginSlowdown.maxDelayMs=100',
        'web.loginSlowdown.maxWaitMs=300',
      ],
    });
    await bed.createAccount(owner);
  });
  after(() => bed.close());

  test('40 wrong passwords from 40 addresses: the owner\u2019s browser logs in at once, a new browser is slowed, not refused', async () => {
    const ownersBrowser = bed.client('192.0.2.10');
    assert.equal((await ownersBrowser.login(owner)).status, 200);
    assert.ok(ownersBrowser.deviceCookie, 'the login left a device cookie');
    await ownersBrowser.request('POST', '/api/auth/logout');
    const guesses: number[] = [];
    for (let index = 0; index < 40; index++) {
      const guess = await bed
        .client(`198.51.100.${index + 1}`)
        .request('POST', '/api/auth/login', { address: owner, authKey: b64(new Uint8Array(32).fill(index)) });
      guesses.push(guess.status);
    }
    assert.deepEqual(new Set(guesses), new Set([401]), 'every guess was checked, none refused');
    assert.equal((await ownersBrowser.login(owner)).status, 200);
    const newBrowser = bed.client('192.0.2.11');
    assert.equal((await newBrowser.login(owner)).status, 200);
  });

  test('a device cookie for another address, or a forged one, does not skip the slowdown', async () => {
    const other = `owner2@${DOMAIN}`;
    await bed.createAccount(other);
    const browser = bed.client('192.0.2.12');
    assert.equal((await browser.login(other)).status, 200);
    const stolen = browser.deviceCookie!;
    for (let i = 0; i < 2; i++) await bed.client(`203.0.113.${i + 1}`).request('POST', '/api/auth/login', { address: owner, authKey: b64(new Uint8Array(32)) });
    // Ten at once, 100 ms apart in the queue: past 300 ms they are refused, unless a cookie lets them by.
    const forged = stolen.replace(/\.(.)/, (_, first: string) => `.${first === 'A' ? 'B' : 'A'}`);
    for (const cookie of [stolen, forged]) {
      const attempts = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          bed.app.inject({
            method: 'POST',
            url: '/api/auth/login',
            remoteAddress: `10.${cookie === stolen ? 1 : 2}.0.${index}`,
            headers: { 'content-type': 'application/json', cookie },
            payload: JSON.stringify({ address: owner, authKey: b64(new Uint8Array(32)) }),
          }),
        ),
      );
      assert.ok(
        attempts.some((attempt) => attempt.statusCode === 429),
        'the queue filled: the cookie did not let them past',
      );
    }
  });
});
