// Prepaid credit: what the web client shows and does (status, payment codes, vouchers,
// ledger, receipts, extra storage) and what the lifecycle job needs (settling the days due).
// The operator's side is PaymentCodes.book and Vouchers.create. Results are plain JSON.
import { prefixRange } from '../../store/types.ts';
import { addDays, utcDay } from '../calendar.ts';
import type { CoreContext } from '../context.ts';
import { erasing, keyRange } from '../erasure.ts';
import { MailError } from '../errors.ts';
import { END, keys } from '../keys.ts';
import { decodeRecord, encodeRecord, type AccountRecord, type UsageRecord } from '../records.ts';
import type { Statistics } from '../statistics.ts';
import { BILLING_QUEUE, Ledger } from './ledger.ts';
import { PaymentCodes } from './payment-codes.ts';
import { monthlyPriceCents } from './pricing.ts';
import { renderReceiptHtml, type RenderedReceipt } from './receipt-html.ts';
import type { BillingStatus, PaymentCodeOffer, VoucherRedemption } from '../../../shared/billing-wire.ts';
import type { AccountState, BillingRecord, LedgerEntry, ReceiptRecord } from './records.ts';
import { daysLeft, initialBillingRecord, paidUntil, settle, type Settlement } from './settlement.ts';
import type { BillingSettings, LifecyclePolicy } from './settings.ts';
import { Vouchers } from './vouchers.ts';

export class Billing {
  readonly settings: BillingSettings;
  readonly paymentCodes: PaymentCodes;
  readonly vouchers: Vouchers;
  readonly ledger: Ledger;
  readonly #context: CoreContext;
  readonly #lifecycle: LifecyclePolicy;

  constructor(context: CoreContext, settings: BillingSettings, lifecycle: LifecyclePolicy, statistics: Statistics) {
    this.#context = context;
    this.settings = settings;
    this.#lifecycle = lifecycle;
    this.ledger = new Ledger(context, settings);
    this.paymentCodes = new PaymentCodes(context, settings, this.ledger, statistics);
    this.vouchers = new Vouchers(context, this.ledger, statistics);
  }

  /** How many accounts are in each billing state today (for /metrics). */
  async countStates(): Promise<Record<AccountState, number>> {
    const counts: Record<AccountState, number> = { trial: 0, active: 0, expired: 0 };
    const today = utcDay(this.#context.clock.now());
    for await (const [, value] of this.#context.store.kv.iterate(prefixRange(keys.billing('')))) {
      counts[settle(decodeRecord<BillingRecord>(value), today, this.settings).record.state] += 1;
    }
    return counts;
  }

  initialRecord(createdAt: number): BillingRecord {
    return initialBillingRecord(this.settings, utcDay(createdAt));
  }

  async status(accountId: string): Promise<BillingStatus> {
    const [accountValue, billingValue] = await this.#context.store.kv.getMany([keys.account(accountId), keys.billing(accountId)]);
    if (!accountValue) throw new MailError('ACCOUNT_NONEXISTENT', 'no such account');
    const account = decodeRecord<AccountRecord>(accountValue);
    const today = utcDay(this.#context.clock.now());
    const record = settle(
      billingValue ? decodeRecord<BillingRecord>(billingValue) : this.initialRecord(this.#context.clock.now()),
      today,
      this.settings,
    ).record;
    const expired = record.state === 'expired';
    return {
      state: record.state,
      currency: this.settings.currency,
      balanceCents: record.balanceCents,
      maxBalanceCents: this.settings.maxBalanceCents,
      monthlyPriceCents: monthlyPriceCents(this.settings, record.extraStorageSteps),
      extraStorage: {
        steps: record.extraStorageSteps,
        stepBytes: this.settings.extraStorage.stepBytes,
        stepMonthlyPriceCents: this.settings.extraStorage.monthlyPriceCents,
        maxSteps: this.settings.extraStorage.maxSteps,
      },
      quotaBytes: account.quotaBytes,
      trialLastDay: record.state === 'trial' ? addDays(record.trialEndsDay, -1) : null,
      paidUntilDay: paidUntil(record, today, this.settings),
      expiredSinceDay: expired ? record.expiredSinceDay : null,
      deletionDay: expired && record.expiredSinceDay ? addDays(record.expiredSinceDay, this.#lifecycle.graceDays) : null,
      pendingPaymentCodes: await this.paymentCodes.pending(accountId),
      paymentInstructions: this.settings.paymentInstructions,
    };
  }

  async requestPaymentCode(accountId: string): Promise<PaymentCodeOffer> {
    const code = await this.paymentCodes.request(accountId);
    return { ...code, currency: this.settings.currency, paymentInstructions: this.settings.paymentInstructions };
  }

  redeemVoucher(accountId: string, code: string): Promise<VoucherRedemption> {
    return this.vouchers.redeem(accountId, code);
  }

  ledgerEntries(accountId: string): Promise<LedgerEntry[]> {
    return this.ledger.entries(accountId);
  }

  receipts(accountId: string): Promise<ReceiptRecord[]> {
    return this.ledger.receipts(accountId);
  }

  async receiptHtml(accountId: string, number: string): Promise<RenderedReceipt> {
    return renderReceiptHtml(await this.ledger.receipt(accountId, number));
  }

  /** Buys (or gives back) extra storage: the quota changes now, the price from today on. */
  async setExtraStorage(accountId: string, steps: number): Promise<BillingStatus> {
    const { maxSteps, stepBytes } = this.settings.extraStorage;
    if (!Number.isSafeInteger(steps) || steps < 0 || steps > maxSteps) {
      throw new MailError('INVALID_ARGUMENT', `extra storage comes in 0 to ${maxSteps} steps`);
    }
    const quotaBytes = this.#context.limits.mailboxQuotaBytes + steps * stepBytes;
    await this.#context.writer.run(accountId, async (txn) => {
      const [accountValue, usageValue] = await Promise.all([txn.get(keys.account(accountId)), txn.get(keys.usage(accountId))]);
      if (!accountValue) throw new MailError('ACCOUNT_NONEXISTENT', 'no such account');
      const used = usageValue ? decodeRecord<UsageRecord>(usageValue).bytes : 0;
      if (used > quotaBytes) throw new MailError('QUOTA_EXCEEDED', 'the mailbox holds more than the smaller quota: delete mail first');
      txn.put(keys.account(accountId), encodeRecord({ ...decodeRecord<AccountRecord>(accountValue), quotaBytes }));
    });
    await this.#context.writer.run(BILLING_QUEUE, async (txn) => {
      const value = await txn.get(keys.billing(accountId));
      const record = value ? decodeRecord<BillingRecord>(value) : this.initialRecord(this.#context.clock.now());
      txn.put(keys.billing(accountId), encodeRecord({ ...record, extraStorageSteps: steps } satisfies BillingRecord));
    });
    return this.status(accountId);
  }

  /** Charges the days due (the lifecycle job); with `dryRun` only says what it would do. */
  async settleAccount(accountId: string, options: { dryRun: boolean }): Promise<Settlement & { daysLeft: number }> {
    const today = utcDay(this.#context.clock.now());
    // An account older than billing on this server starts its trial today.
    const compute = (value: Uint8Array | undefined) => {
      const record = value ? decodeRecord<BillingRecord>(value) : this.initialRecord(this.#context.clock.now());
      const settlement = settle(record, today, this.settings);
      return { ...settlement, daysLeft: daysLeft(settlement.record, today, this.settings) };
    };
    if (options.dryRun) return compute(await this.#context.store.kv.get(keys.billing(accountId)));
    return this.#context.writer.run(BILLING_QUEUE, async (txn) => {
      const value = await txn.get(keys.billing(accountId));
      const result = compute(value);
      if (!value || result.charges.length > 0 || result.changedFrom) {
        txn.put(keys.billing(accountId), encodeRecord(result.record));
        await this.ledger.recordCharges(txn, accountId, result.charges);
      }
      return result;
    });
  }

  async markReminderSent(accountId: string, threshold: number): Promise<void> {
    await this.#context.writer.run(BILLING_QUEUE, async (txn) => {
      const value = await txn.get(keys.billing(accountId));
      if (!value) return;
      const record = decodeRecord<BillingRecord>(value);
      if (record.remindersSent.includes(threshold)) return;
      txn.put(keys.billing(accountId), encodeRecord({ ...record, remindersSent: [...record.remindersSent, threshold] } satisfies BillingRecord));
    });
  }

  /** Removes and erases everything billing kept about a deleted account. */
  async forget(accountId: string): Promise<void> {
    await this.paymentCodes.forget(accountId);
    const ranges = [keys.ledgerPrefix(accountId), keys.receiptPrefix(accountId)].map((prefix) => ({ gte: prefix, lt: prefix + END }));
    await erasing(this.#context.store.kv, [keyRange(keys.billing(accountId)), ...ranges], () =>
      this.#context.writer.run(BILLING_QUEUE, async (txn) => {
        txn.del(keys.billing(accountId));
        for (const range of ranges) {
          for await (const [key] of this.#context.store.kv.iterate(range)) txn.del(key);
        }
      }),
    );
  }
}
