// The app-password login shared by IMAP, POP3 and submission, on a real core and store:
// a right app password unlocks; every kind of failure (unknown address, wrong, malformed or
// over-long secret, the account password, throttling) gives the same outcome no sooner than
// the fixed delay after the attempt began; a throttled source is refused even with the
// right secret while other sources are not.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccountKeys, createSecretSlot } from '../../crypto/account-keys.ts';
import type { SealpostCrypto } from '../../crypto/api.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { AppPasswordLogin, type LoginOutcome } from '../../server/auth/app-password-login.ts';
import { LoginThrottle } from '../../server/auth/login-throttle.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { openMemoryStore } from '../../server/store/open.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { unlockByPassword } from '../helpers/mail.ts';
import { TEST_KDF } from '../helpers/service.ts';

const PASSWORD = 'login test password';
/** Long enough to measure against timer jitter, short enough for a fast test. */
const FAILURE_DELAY_MS = 40;
/** setTimeout may fire a little before performance.now() says the time has passed. */
const TIMER_SLACK_MS = 2;
const WINDOW_MS = 60_000;

describe('app-password login', () => {
  let crypto: SealpostCrypto;
  let core: MailCore;
  let clock: ManualClock;
  let appPassword: string;
  let accountId: string;

  const newLogin = (perSource: number, delayMs = FAILURE_DELAY_MS) =>
    new AppPasswordLogin(core, new LoginThrottle({ windowMs: WINDOW_MS, maxFailuresPerSource: perSource }, clock), delayMs, 'imap');

  /** The clock starts before the attempt does, so its synchronous part counts too. */
  const timed = async (attempt: () => Promise<LoginOutcome>) => {
    const started = performance.now();
    const outcome = await attempt();
    return { outcome, elapsed: performance.now() - started };
  };

  before(async () => {
    crypto = await loadNodeCrypto();
    clock = new ManualClock();
    core = new MailCore({ store: openMemoryStore(), crypto, limits: { messageMaxBytes: 50_000, mailboxQuotaBytes: 100_000, addressesPerMailbox: 6 }, clock });
    await core.domains.add('sealpost.test');
    const { material } = await createAccountKeys(crypto, PASSWORD, TEST_KDF);
    accountId = (await core.accounts.create('alice@sealpost.test', material)).id;
    const keys = await unlockByPassword(core, crypto, accountId, PASSWORD);
    appPassword = crypto.newAppPassword();
    await core.accounts.addAppPassword(accountId, 'laptop', createSecretSlot(crypto, keys.masterKey, appPassword, 'app-password'));
  });

  test('the right app password unlocks the mailbox at once, whatever the case of the address', async () => {
    const { outcome, elapsed } = await timed(() => newLogin(5, 5_000).attempt('Alice@Sealpost.test', appPassword, '192.0.2.1'));
    assert.equal(outcome.kind, 'unlocked');
    assert.ok(outcome.kind === 'unlocked' && outcome.unlocked.accountId === accountId);
    assert.ok(elapsed < 5_000, 'no failure delay on success');
  });

  test('an app password scoped to other protocols fails like a wrong one', async () => {
    const keys = await unlockByPassword(core, crypto, accountId, PASSWORD);
    const smtpOnly = crypto.newAppPassword();
    await core.accounts.addAppPassword(accountId, 'sending only', createSecretSlot(crypto, keys.masterKey, smtpOnly, 'app-password'), ['smtp']);
    const imap = newLogin(100);
    const { outcome, elapsed } = await timed(() => imap.attempt('alice@sealpost.test', smtpOnly, '192.0.2.9'));
    assert.deepEqual(outcome, { kind: 'failed' });
    assert.ok(elapsed >= FAILURE_DELAY_MS - TIMER_SLACK_MS);
    const smtp = new AppPasswordLogin(core, new LoginThrottle({ windowMs: WINDOW_MS, maxFailuresPerSource: 100 }, clock), FAILURE_DELAY_MS, 'smtp');
    assert.equal((await smtp.attempt('alice@sealpost.test', smtpOnly, '192.0.2.9')).kind, 'unlocked');
  });

  test('every failure is the same outcome, answered no sooner than the delay', async () => {
    const login = newLogin(100);
    const attempts: [string, string][] = [
      ['nobody@sealpost.test', appPassword],
      ['alice@sealpost.test', crypto.newAppPassword()],
      ['alice@sealpost.test', 'not an app password'],
      ['alice@sealpost.test', PASSWORD],
      ['alice@sealpost.test', 'x'.repeat(100_000)],
      [`${'a'.repeat(100_000)}@sealpost.test`, appPassword],
    ];
    for (const [address, secret] of attempts) {
      const { outcome, elapsed } = await timed(() => login.attempt(address, secret, '192.0.2.2'));
      assert.deepEqual(outcome, { kind: 'failed' }, address.slice(0, 40));
      assert.ok(elapsed >= FAILURE_DELAY_MS - TIMER_SLACK_MS, `answered after ${elapsed} ms`);
    }
  });

  test('a throttled source is refused even with the right secret, after the same delay; other sources and a new window are not', async () => {
    const login = newLogin(2);
    for (let i = 0; i < 2; i++) assert.equal((await login.attempt('alice@sealpost.test', 'wrong', '198.51.100.7')).kind, 'failed');
    const { outcome, elapsed } = await timed(() => login.attempt('alice@sealpost.test', appPassword, '198.51.100.7'));
    assert.equal(outcome.kind, 'throttled');
    assert.ok(elapsed >= FAILURE_DELAY_MS - TIMER_SLACK_MS, `answered after ${elapsed} ms`);
    assert.equal((await login.attempt('alice@sealpost.test', appPassword, '198.51.100.8')).kind, 'unlocked');
    clock.advance(WINDOW_MS);
    assert.equal((await login.attempt('alice@sealpost.test', appPassword, '198.51.100.7')).kind, 'unlocked');
  });

  test('120 failures for one address from six sources never keep its owner out (issue 12, item 4)', async () => {
    const login = newLogin(20, 0);
    for (let source = 1; source <= 6; source++) {
      for (let attempt = 0; attempt < 20; attempt++) await login.attempt('ALICE@sealpost.test', crypto.newAppPassword(), `203.0.113.${source}`);
      assert.equal((await login.attempt('alice@sealpost.test', appPassword, `203.0.113.${source}`)).kind, 'throttled', 'each source is throttled');
    }
    assert.equal((await login.attempt('alice@sealpost.test', appPassword, '203.0.113.99')).kind, 'unlocked');
  });

  test('over-long input counts against the source', async () => {
    const login = newLogin(2, 0);
    assert.equal((await login.attempt('alice@sealpost.test', 'x'.repeat(5000), '192.0.2.50')).kind, 'failed');
    assert.equal((await login.attempt('alice@sealpost.test', 'x'.repeat(5000), '192.0.2.50')).kind, 'failed');
    assert.equal((await login.attempt('alice@sealpost.test', appPassword, '192.0.2.50')).kind, 'throttled');
  });
});
