// The life of an account with the test clock walked a day at a time and the retention job
// run each day, as the scheduler would: trial → active (charged daily) → reminders in the
// Inbox → expired (MX refuses with 550 5.2.1 to a real SMTP client, IMAP refuses the login)
// → deleted after the grace period: the key slots and everything else gone from the live
// store's files, the address held back, and a bystander account untouched throughout.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { adminOperations } from '../../server/admin/operations.ts';
import { createAccountKeys } from '../../crypto/account-keys.ts';
import { utcDay } from '../../server/core/calendar.ts';
import { isMailError } from '../../server/core/errors.ts';
import type { KeySlotRecord, MessageRecord } from '../../server/core/records.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { startTestService, TEST_KDF, type TestService } from '../helpers/service.ts';

const DAY = 86_400_000;

describe('account lifecycle: trial → active → expired → deleted', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  let service: TestService;
  let alice: { accountId: string; password: string; recoveryCode: string };
  let bob: { accountId: string; password: string };
  let appPassword: string;
  const canary = `CANARY${randomBytes(12).toString('hex')}`;
  /** Bytes that exist only in Alice's records: found before her deletion, never after. */
  const traces: string[] = [];

  const runDay = async () => {
    const report = await service.jobs.runRetention({ dryRun: false });
    return report.steps.find((step) => step.name === 'lifecycle')!.lines.join('\n');
  };
  const walkDays = async (days: number) => {
    const lines: string[] = [];
    for (let day = 0; day < days; day++) {
      clock.advance(DAY);
      lines.push(await runDay());
    }
    return lines.join('\n');
  };
  const send = (to: string, subject: string, text: string) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), tls: { rejectUnauthorized: false } })
      .sendMail({ from: 'friend@remote.example', to, subject, text });
  const inboxSubjects = async (account: { accountId: string; password: string }) => {
    const mailboxKeys = await unlockByPassword(service.core, service.crypto, account.accountId, account.password);
    return (await readInbox(service.core, mailboxKeys, account.accountId)).map((message) => /^Subject: (.*)$/m.exec(message.toString('latin1'))?.[1] ?? '');
  };
  const imapLogin = async (user: string, pass: string) => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: service.port('imaps'),
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user, pass },
      logger: false,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.logout();
      return 'ok';
    } catch (error) {
      return String((error as { responseText?: string }).responseText ?? (error as Error).message);
    }
  };

  before(async () => {
    service = await startTestService(
      ['billing.enabled=true', 'billing.trialDays=14', 'retention.graceDaysAfterCredit=30', 'lifecycle.addressHoldDays=60'],
      undefined,
      { clock },
    );
    alice = await service.createAccount('alice@sealpost.test');
    bob = await service.createAccount('bob.bystander@sealpost.test');
    appPassword = await service.createAppPassword(alice.accountId, alice.password);
    const bobCode = await service.core.billing!.requestPaymentCode(bob.accountId);
    await adminOperations(service.core)['credit.book']({ code: bobCode.code, amountCents: 1_000 });
  });
  after(() => service.stop());

  test('in the trial the account receives mail and logs in', async () => {
    assert.equal((await service.core.billing!.status(alice.accountId)).state, 'trial');
    await send('alice@sealpost.test', `Secret ${canary}`, `The body holds ${canary}.\n`);
    assert.equal(await imapLogin('alice@sealpost.test', appPassword), 'ok');
    const [record] = await service.core.messages.list(alice.accountId, (await service.core.folders.findBySpecialUse(alice.accountId, '\\Inbox')).id);
    traces.push((record as MessageRecord).contentKey, (record as MessageRecord).metadata.slice(0, 60));
    const account = await service.core.accounts.get(alice.accountId);
    traces.push(account.passwordSlot, account.encryptedPrivateKey);
    for (const slot of await service.core.accounts.listKeySlots(alice.accountId)) traces.push((slot as KeySlotRecord).wrappedMasterKey);
    for (const trace of traces) assert.notDeepEqual(await searchBytes(service.paths.store, trace), [], 'the search finds what is there');
  });

  test('a top-up in the trial; the first charge when the trial ends makes it active', async () => {
    clock.advance(3 * DAY);
    const offer = await service.core.billing!.requestPaymentCode(alice.accountId);
    await adminOperations(service.core)['credit.book']({ code: offer.code, amountCents: 100 });
    const lines = await walkDays(11);
    assert.match(lines, /alice@sealpost\.test: charged 1 day \(\d cents\); trial over, active/);
    const status = await service.core.billing!.status(alice.accountId);
    assert.equal(status.state, 'active');
    assert.equal(status.trialLastDay, null);
  });

  test('reminders reach the Inbox 14 and 3 days before the credit runs out, once each', async () => {
    const { paidUntilDay } = await service.core.billing!.status(alice.accountId);
    const lines = await walkDays(Math.round((Date.parse(`${paidUntilDay}T12:00:00Z`) - clock.now()) / DAY));
    assert.equal(utcDay(clock.now()), paidUntilDay, 'the last paid day');
    assert.equal((lines.match(/reminder sent/g) ?? []).length, 2, lines);
    const subjects = await inboxSubjects(alice);
    assert.ok(subjects.includes('Your mailbox credit lasts 14 more days'), subjects.join(' | '));
    assert.ok(subjects.includes('Your mailbox credit lasts 3 more days'), subjects.join(' | '));
    assert.equal((await service.core.billing!.status(alice.accountId)).state, 'active');
  });

  test('expired: MX refuses with 550 5.2.1, IMAP refuses the login, the web way in stays open', async () => {
    const lines = await walkDays(1);
    assert.match(lines, /alice@sealpost\.test: expired since \d{4}-\d\d-\d\d, deleted on/);
    assert.equal((await service.core.billing!.status(alice.accountId)).state, 'expired');
    await assert.rejects(send('alice@sealpost.test', 'too late', 'hello'), (error: Error & { responseCode?: number; response?: string }) => {
      assert.equal(error.responseCode, 550);
      assert.match(error.response!, /^550 5\.2\.1 mailbox disabled/);
      return true;
    });
    assert.match(await imapLogin('alice@sealpost.test', appPassword), /no credit left/);
    await assert.rejects(service.core.accounts.unlockWithAppSecret('alice@sealpost.test', appPassword), (error) => isMailError(error, 'ACCOUNT_DISABLED'));
    await assert.rejects(service.core.accounts.unlockWithAppSecret('alice@sealpost.test', 'wrong-secret'), (error) =>
      isMailError(error, 'AUTHENTICATION_FAILED'),
    );
    const recovered = await service.core.accounts.unlockWithAppSecret('alice@sealpost.test', alice.recoveryCode, 'recovery');
    assert.equal(recovered.accountId, alice.accountId, 'the recovery code (the web client’s way) still opens the mailbox to top up or export');
    assert.ok((await inboxSubjects(alice)).includes('Your mailbox is disabled: no credit left'));
    await send('bob.bystander@sealpost.test', 'still here', 'hello Bob');
  });

  test('after the grace period the account is deleted: nothing of it is left in the live store', async () => {
    let lines = await walkDays(29);
    assert.doesNotMatch(lines, /deleted/);
    lines = await walkDays(1);
    assert.match(lines, /alice@sealpost\.test: deleted \(grace period over\)/);
    await assert.rejects(service.core.accounts.get(alice.accountId), (error) => isMailError(error, 'ACCOUNT_NONEXISTENT'));
    assert.equal(await service.core.accounts.findIdByAddress('alice@sealpost.test'), undefined);
    assert.deepEqual(await service.core.accounts.listKeySlots(alice.accountId), []);
    for await (const [key] of service.store.kv.iterate({})) assert.ok(!key.includes(alice.accountId), `${key} is left`);
    for (const needle of [canary, 'alice@sealpost.test', ...traces]) {
      assert.deepEqual(await searchBytes(service.paths.store, needle), [], `${needle.slice(0, 20)}… is gone`);
    }
    await assert.rejects(service.core.accounts.unlockWithAppSecret('alice@sealpost.test', appPassword), (error) => isMailError(error, 'AUTHENTICATION_FAILED'));
    assert.deepEqual(await service.core.billing!.ledgerEntries(alice.accountId), []);
  });

  test('the address is held back, then free again; the bystander never noticed', async () => {
    const { material } = await createAccountKeys(service.crypto, 'another password', TEST_KDF);
    await assert.rejects(service.core.accounts.create('alice@sealpost.test', material), (error) => isMailError(error, 'ADDRESS_TAKEN'));
    await walkDays(60);
    await service.core.accounts.create('alice@sealpost.test', material);
    const subjects = await inboxSubjects(bob);
    assert.ok(subjects.includes('still here'));
    const bobStatus = await service.core.billing!.status(bob.accountId);
    assert.equal(bobStatus.state, 'active', 'Bob’s 10.00 EUR last ten months');
    const charged = (await service.core.billing!.ledgerEntries(bob.accountId))
      .filter((entry) => entry.kind === 'charge')
      .reduce((sum, entry) => sum + entry.amountCents, 0);
    assert.ok(charged > 350, `charged day by day for four months (${charged} cents)`);
    assert.equal(bobStatus.balanceCents, 1_000 - charged, 'the ledger accounts for every cent');
  });
});
