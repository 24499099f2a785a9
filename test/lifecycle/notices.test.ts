// The two safeguards that speak to the user through the Inbox: more than 50 deletions in
// 24 hours bring one notice (retention's own deletions do not count), and the optional
// inactivity rule stops receiving after N days without a login until the next login.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isMailError } from '../../server/core/errors.ts';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

const DAY = 86_400_000;
const SETTINGS = ['lifecycle.inactivityDays=30'];

async function deliver(service: TestService, accountId: string, address: string, count: number, folderId?: string): Promise<void> {
  for (let index = 0; index < count; index++) {
    await service.core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address, folderId }],
      content: (async function* () {
        yield new TextEncoder().encode(`Subject: message ${index}\r\n\r\nhello\r\n`);
      })(),
    });
  }
}

async function subjects(service: TestService, account: { accountId: string; password: string }): Promise<string[]> {
  const keys = await unlockByPassword(service.core, service.crypto, account.accountId, account.password);
  return (await readInbox(service.core, keys, account.accountId)).map((message) => /^Subject: (.*)$/m.exec(message.toString('latin1'))?.[1] ?? '');
}

/** The notice is delivered after the deletion returns; wait for it to land. */
async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200));
}

describe('notices in the Inbox', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0));
  let service: TestService;

  before(async () => {
    service = await startTestService(SETTINGS, undefined, { clock });
  });
  after(() => service.stop());

  test('51 deletions within 24 hours bring one notice; 50 do not; the next day counts anew', async () => {
    const account = await service.createAccount('deleter@sealpost.test');
    const inbox = await service.core.folders.findBySpecialUse(account.accountId, '\\Inbox');
    await deliver(service, account.accountId, 'deleter@sealpost.test', 60);
    const uids = (await service.core.messages.list(account.accountId, inbox.id)).map((message) => message.uid);
    await service.core.mailbox.expunge(account.accountId, inbox.id, uids.slice(0, 30));
    clock.advance(5 * 3_600_000);
    await service.core.mailbox.expunge(account.accountId, inbox.id, uids.slice(30, 50));
    await settled();
    assert.ok(!(await subjects(service, account)).includes('Many messages were deleted from your mailbox'), '50 is not more than 50');
    clock.advance(3_600_000);
    await service.core.mailbox.expunge(account.accountId, inbox.id, uids.slice(50, 51));
    await settled();
    assert.equal((await subjects(service, account)).filter((subject) => subject === 'Many messages were deleted from your mailbox').length, 1);
    await service.core.mailbox.expunge(account.accountId, inbox.id, uids.slice(51, 55));
    await settled();
    assert.equal((await subjects(service, account)).filter((subject) => subject.startsWith('Many messages')).length, 1, 'one notice a day');
  });

  test('deletions by the retention job are not counted', async () => {
    const account = await service.createAccount('tidy.user@sealpost.test');
    const junk = await service.core.folders.findBySpecialUse(account.accountId, '\\Junk');
    await deliver(service, account.accountId, 'tidy.user@sealpost.test', 60, junk.id);
    await service.jobs.runRetention({ dryRun: false });
    clock.advance(31 * DAY);
    const report = await service.jobs.runRetention({ dryRun: false });
    assert.equal(report.steps.find((step) => step.name === 'junk')!.count, 60);
    await settled();
    assert.ok(!(await subjects(service, account)).some((subject) => subject.startsWith('Many messages')));
  });

  test('inactivity: receiving stops after 30 days without a login, with a notice, until the next login', async () => {
    const account = await service.createAccount('sleepy@sealpost.test');
    const appPassword = await service.createAppPassword(account.accountId, account.password);
    await service.core.accounts.unlockWithAppSecret('sleepy@sealpost.test', appPassword);
    await service.jobs.runRetention({ dryRun: false });
    clock.advance(29 * DAY);
    let report = await service.jobs.runRetention({ dryRun: false });
    assert.doesNotMatch(report.steps[0]!.lines.join('\n'), /sleepy@/);
    await service.core.ingest.checkReceiving(account.accountId);
    clock.advance(DAY);
    report = await service.jobs.runRetention({ dryRun: false });
    assert.match(report.steps[0]!.lines.join('\n'), /sleepy@sealpost\.test: receiving stopped after 30 days without a login/);
    await assert.rejects(service.core.ingest.checkReceiving(account.accountId), (error) => isMailError(error, 'MAILBOX_DISABLED'));
    await assert.rejects(deliver(service, account.accountId, 'sleepy@sealpost.test', 1), (error) => isMailError(error, 'MAILBOX_DISABLED'));
    assert.ok((await subjects(service, account)).includes('Your mailbox no longer receives mail'));
    await service.core.accounts.unlockWithAppSecret('sleepy@sealpost.test', appPassword);
    await settled();
    await service.core.ingest.checkReceiving(account.accountId);
    await deliver(service, account.accountId, 'sleepy@sealpost.test', 1);
  });
});
