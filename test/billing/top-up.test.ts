// Top-up by payment code, end to end (docs/design.md promise 6): the user gets a code, the
// operator books it with the CLI (through the running service's admin socket), the balance
// rises, a receipt and a ledger line appear, and the code is gone from the data directory,
// byte for byte. Bad input (a typo, a used code, bad amounts, a deleted account) gets a
// clear error and changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminOperations } from '../../server/admin/operations.ts';
import { isMailError } from '../../server/core/errors.ts';
import { runSealpost } from '../../scripts/lib/server-process.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { dumpStore, storeDifferences } from '../helpers/store-dump.ts';

describe('top-up by payment code', () => {
  let service: TestService;
  let accountId: string;
  const clock = new ManualClock(Date.UTC(2026, 2, 10, 9, 0, 0));
  const cli = (...args: string[]) => runSealpost([...args, '--data-dir', service.dataDir]);
  const admin = () => adminOperations(service.core);

  before(async () => {
    service = await startTestService(['billing.enabled=true'], undefined, { clock });
    ({ accountId } = await service.createAccount('payer@sealpost.test'));
  });
  after(() => service.stop());

  /** The store after a failed attempt equals the store before it. */
  async function assertUnchanged(attempt: () => Promise<unknown>, expected: (error: unknown) => boolean): Promise<void> {
    await service.core.statistics.flush();
    const before = await dumpStore(service.store);
    await assert.rejects(attempt(), expected);
    await service.core.statistics.flush();
    assert.deepEqual(storeDifferences(before, await dumpStore(service.store)), []);
  }

  test('a code is issued, booked by the CLI, credited, and erased from the data directory', async () => {
    assert.equal((await service.core.billing!.status(accountId)).state, 'expired', 'no trial: a new account waits for credit');
    const offer = await service.core.billing!.requestPaymentCode(accountId);
    assert.match(offer.code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.equal(offer.currency, 'EUR');
    assert.deepEqual(
      (await service.core.billing!.status(accountId)).pendingPaymentCodes.map((pending) => pending.code),
      [offer.code],
    );
    assert.notDeepEqual(await searchBytes(service.dataDir, offer.code), [], 'while pending, the code is in the store (the search can find it)');

    const booked = await cli('credit', 'book', offer.code, '500');
    assert.equal(booked.code, 0, booked.stderr);
    assert.match(booked.stdout, /^booked 5\.00 EUR$/m);
    assert.ok(!booked.stdout.includes('payer') && !booked.stdout.includes(accountId), 'the operator is not told which mailbox was paid');

    const status = await service.core.billing!.status(accountId);
    assert.equal(status.state, 'active');
    assert.ok(status.balanceCents > 480 && status.balanceCents < 500, `today is charged from the credit (balance ${status.balanceCents})`);
    assert.deepEqual(status.pendingPaymentCodes, []);
    assert.ok(status.paidUntilDay! > '2026-07-01', `5.00 EUR lasts about five months (until ${status.paidUntilDay})`);

    for (const needle of [offer.code, offer.code.replaceAll('-', '')]) {
      assert.deepEqual(await searchBytes(service.dataDir, needle), [], `${needle} is gone from every file`);
    }

    const [receipt] = await service.core.billing!.receipts(accountId);
    assert.equal(receipt!.amountCents, 500);
    assert.equal(receipt!.issuedDay, '2026-03-10');
    assert.equal(receipt!.servicePeriod!.fromDay, '2026-03-10');
    assert.equal(receipt!.servicePeriod!.toDay, status.paidUntilDay);
    const page = await service.core.billing!.receiptHtml(accountId, receipt!.number);
    assert.match(page.html, new RegExp(receipt!.number));
    assert.match(page.html, /5\.00 EUR/);
    assert.ok(!page.html.includes('payer@'), 'the receipt names no customer');
    const ledger = await service.core.billing!.ledgerEntries(accountId);
    assert.deepEqual(
      ledger.map((entry) => [entry.kind, entry.amountCents]),
      [
        ['credit', 500],
        ['charge', 500 - status.balanceCents],
      ],
    );
  });

  test('the CLI refuses a mistyped code, a bad amount and a used code, and nothing changes', async () => {
    const offer = await service.core.billing!.requestPaymentCode(accountId);
    const last = offer.code.at(-1)!;
    const typo = offer.code.slice(0, -1) + (last === 'Z' ? 'Y' : 'Z');
    await service.core.statistics.flush();
    const before = await dumpStore(service.store);
    for (const [args, message] of [
      [[typo, '500'], /typo/],
      [[offer.code, '--', '-500'], /whole, positive number of cents/],
      [[offer.code, '999999999999'], /exceeds the maximum balance/],
    ] as const) {
      const result = await cli('credit', 'book', ...args);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
    }
    await service.core.statistics.flush();
    assert.deepEqual(storeDifferences(before, await dumpStore(service.store)), []);
    assert.equal((await service.core.billing!.status(accountId)).pendingPaymentCodes.length, 1, 'the code still waits');
  });

  test('a code booked once is unknown the second time', async () => {
    const offer = await service.core.billing!.requestPaymentCode(accountId);
    await admin()['credit.book']({ code: offer.code, amountCents: 100 });
    await assertUnchanged(
      () => admin()['credit.book']({ code: offer.code, amountCents: 100 }),
      (error) => isMailError(error, 'PAYMENT_CODE_UNKNOWN'),
    );
  });

  test('more than the maximum balance is refused with what may still be booked', async () => {
    const offer = await service.core.billing!.requestPaymentCode(accountId);
    await assertUnchanged(
      () => admin()['credit.book']({ code: offer.code, amountCents: 5_999 }),
      (error) => isMailError(error, 'BALANCE_LIMIT') && /at most \d+\.\d\d EUR/.test((error as Error).message),
    );
  });

  test('a booking for a deleted account is refused and changes nothing', async () => {
    const { accountId: doomed } = await service.createAccount('doomed@sealpost.test');
    const offer = await service.core.billing!.requestPaymentCode(doomed);
    await service.core.accounts.delete(doomed);
    await assertUnchanged(
      () => admin()['credit.book']({ code: offer.code, amountCents: 500 }),
      (error) => isMailError(error, 'PAYMENT_CODE_UNKNOWN'),
    );
  });

  test('expired codes are refused, and at most three wait at once', async () => {
    const { accountId: other } = await service.createAccount('patient@sealpost.test');
    const codes: string[] = [];
    for (let index = 0; index < 3; index++) codes.push((await service.core.billing!.requestPaymentCode(other)).code);
    await assert.rejects(service.core.billing!.requestPaymentCode(other), (error) => isMailError(error, 'PAYMENT_CODE_LIMIT'));
    clock.advance(61 * 86_400_000);
    await assertUnchanged(
      () => admin()['credit.book']({ code: codes[0]!, amountCents: 500 }),
      (error) => isMailError(error, 'PAYMENT_CODE_UNKNOWN'),
    );
    assert.ok((await service.core.billing!.paymentCodes.dropExpired(false)) >= codes.length, 'these and older codes expired');
    assert.equal(await service.core.billing!.paymentCodes.dropExpired(false), 0);
    for (const code of codes) assert.deepEqual(await searchBytes(service.dataDir, code), [], 'expired codes are erased');
  });
});
