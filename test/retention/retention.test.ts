// The retention run: a dry run lists the work and changes nothing (the store compared entry
// by entry before and after); the real run does exactly that work (delivery-log days older
// than 7, erased from the files; old Junk and Trash; expired payment codes; finished
// address holds); a second run finds nothing to do and changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import type { RetentionReport } from '../../server/jobs/retention.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { dumpStore, storeDifferences } from '../helpers/store-dump.ts';

const DAY = 86_400_000;
const PEER = '127.0.0.77';

const counts = (report: RetentionReport) => Object.fromEntries(report.steps.map((step) => [step.name, step.count]));

describe('sealpost retention run', () => {
  const clock = new ManualClock(Date.UTC(2026, 3, 1, 12, 0, 0));
  let service: TestService;
  let dryReport: RetentionReport;

  const send = (to: string) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), localAddress: PEER, name: 'mx.remote.example', tls: { rejectUnauthorized: false } })
      .sendMail({ from: 'friend@remote.example', to, subject: 'hello', text: 'hello' });
  const moveAllTo = async (accountId: string, specialUse: '\\Junk' | '\\Trash') => {
    const inbox = await service.core.folders.findBySpecialUse(accountId, '\\Inbox');
    const target = await service.core.folders.findBySpecialUse(accountId, specialUse);
    const uids = (await service.core.messages.list(accountId, inbox.id)).map((message) => message.uid);
    await service.core.mailbox.copy(accountId, inbox.id, uids, target.id, { move: true });
  };

  before(async () => {
    service = await startTestService(
      ['billing.enabled=true', 'billing.trialDays=400', 'lifecycle.addressHoldDays=10', 'billing.paymentCodeValidDays=30', 'retention.trashDays=20'],
      undefined,
      { clock },
    );
    const keeper = await service.createAccount('keeper@sealpost.test');
    const leaver = await service.createAccount('leaver@sealpost.test');
    await service.core.billing!.requestPaymentCode(keeper.accountId);
    for (let index = 0; index < 3; index++) await send('keeper@sealpost.test');
    await moveAllTo(keeper.accountId, '\\Junk');
    await send('keeper@sealpost.test');
    await moveAllTo(keeper.accountId, '\\Trash');
    await service.jobs.runRetention({ dryRun: false });
    await service.core.accounts.delete(leaver.accountId);
    clock.advance(40 * DAY);
    await send('keeper@sealpost.test');
    await service.core.statistics.flush();
  });
  after(() => service.stop());

  test('a dry run lists the work and changes nothing', async () => {
    const before = await dumpStore(service.store);
    dryReport = await service.jobs.runRetention({ dryRun: true });
    assert.equal(dryReport.dryRun, true);
    assert.deepEqual(counts(dryReport), {
      lifecycle: 0,
      'delivery-log': 1,
      junk: 3,
      trash: 1,
      'payment-codes': 1,
      'address-holds': 1,
      backups: 0,
      // Reclaiming blob space is measured by doing it: a dry run reports none.
      'blob-space': 0,
    });
    assert.match(dryReport.steps.find((step) => step.name === 'delivery-log')!.lines[0]!, /^2026-04-01: 4 entries$/);
    await service.core.statistics.flush();
    assert.deepEqual(storeDifferences(before, await dumpStore(service.store)), []);
  });

  test('the run does that work; the old delivery-log days are erased from the files', async () => {
    assert.notDeepEqual(await searchBytes(service.paths.store, PEER), [], 'the log names the sending server before');
    const report = await service.jobs.runRetention({ dryRun: false });
    assert.deepEqual(counts(report), counts(dryReport));
    const entries = await service.core.deliveryLog.search({ address: 'keeper@sealpost.test' });
    assert.equal(entries.length, 1, 'today’s entry stays');
    const hits = await searchBytes(service.paths.store, PEER);
    assert.equal(hits.length, 1, 'only today’s entry names the peer');
    const keeper = await service.core.accounts.getByAddress('keeper@sealpost.test');
    for (const specialUse of ['\\Junk', '\\Trash'] as const) {
      const folder = await service.core.folders.findBySpecialUse(keeper.id, specialUse);
      assert.deepEqual(await service.core.messages.list(keeper.id, folder.id), [], specialUse);
    }
    assert.deepEqual((await service.core.billing!.status(keeper.id)).pendingPaymentCodes, []);
  });

  test('a second run finds nothing to do and changes nothing', async () => {
    await service.core.statistics.flush();
    const before = await dumpStore(service.store);
    const report = await service.jobs.runRetention({ dryRun: false });
    assert.ok(
      Object.values(counts(report)).every((count) => count === 0),
      JSON.stringify(counts(report)),
    );
    await service.core.statistics.flush();
    assert.deepEqual(storeDifferences(before, await dumpStore(service.store)), []);
  });

  test('a message moved to Trash long after it arrived stays there 20 days (dated to the day, never less)', async () => {
    const keeper = await service.core.accounts.getByAddress('keeper@sealpost.test');
    await moveAllTo(keeper.id, '\\Trash');
    const trashed: number[] = [];
    for (let day = 1; day <= 21; day++) {
      clock.advance(DAY);
      trashed.push(counts(await service.jobs.runRetention({ dryRun: false })).trash!);
    }
    // It arrived 40 days ago and entered Trash after today's run took its checkpoint, so it
    // counts from tomorrow: deleted on the 21st daily run.
    assert.deepEqual(trashed, [...Array(20).fill(0), 1]);
  });
});
