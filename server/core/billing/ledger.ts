// The ledger (credits and charges by day) and receipts of an account, and the one way
// credit enters an account. Every write of billing records runs in one writer queue,
// BILLING_QUEUE: a voucher is marked used in the same transaction as the credit it gives,
// whichever account redeems it, so no voucher or code is ever spent twice.
import type { Transaction } from '../account-writer.ts';
import { addDays, utcDay, type Day } from '../calendar.ts';
import type { CoreContext } from '../context.ts';
import { MailError } from '../errors.ts';
import { END, keys } from '../keys.ts';
import { decodeRecord, encodeRecord, toHex, type AccountRecord } from '../records.ts';
import { CODE_ALPHABET } from './codes.ts';
import type { BillingRecord, CreditMethod, LedgerEntry, ReceiptRecord } from './records.ts';
import { credit, paidUntil, type Settlement } from './settlement.ts';
import type { BillingSettings } from './settings.ts';

export const BILLING_QUEUE = 'billing';

/** Random characters in a receipt number: 40 bits, unique among any number of receipts one
 * account will ever have, and no count of bookings readable from it. */
const RECEIPT_RANDOM_CHARACTERS = 8;

export function formatCents(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

export class Ledger {
  readonly #context: CoreContext;
  readonly #settings: BillingSettings;

  constructor(context: CoreContext, settings: BillingSettings) {
    this.#context = context;
    this.#settings = settings;
  }

  /** Validates an amount typed by an operator or carried by a voucher. */
  assertAmount(amountCents: unknown): asserts amountCents is number {
    if (typeof amountCents !== 'number' || !Number.isSafeInteger(amountCents) || amountCents <= 0) {
      throw new MailError('AMOUNT_INVALID', 'the amount must be a whole, positive number of cents');
    }
    if (amountCents > this.#settings.maxBalanceCents) {
      throw new MailError(
        'AMOUNT_INVALID',
        `the amount exceeds the maximum balance of ${formatCents(this.#settings.maxBalanceCents, this.#settings.currency)}`,
      );
    }
  }

  /** Credits an account inside a BILLING_QUEUE transaction: balance, ledger line, receipt. */
  async credit(txn: Transaction, accountId: string, amountCents: number, method: CreditMethod): Promise<ReceiptRecord> {
    this.assertAmount(amountCents);
    const [accountValue, billingValue] = await Promise.all([txn.get(keys.account(accountId)), txn.get(keys.billing(accountId))]);
    if (!accountValue || decodeRecord<AccountRecord>(accountValue).passwordSlot === '' || !billingValue) {
      throw new MailError('ACCOUNT_NONEXISTENT', 'the account this credit was meant for no longer exists');
    }
    const record = decodeRecord<BillingRecord>(billingValue);
    const today = utcDay(this.#context.clock.now());
    const settings = this.#settings;
    if (record.balanceCents + amountCents > settings.maxBalanceCents) {
      const room = Math.max(0, settings.maxBalanceCents - record.balanceCents);
      throw new MailError(
        'BALANCE_LIMIT',
        `the balance may not exceed ${formatCents(settings.maxBalanceCents, settings.currency)}: at most ${formatCents(room, settings.currency)} can be credited now`,
      );
    }
    const coveredBefore = paidUntil(record, today, settings);
    const settlement = credit(record, amountCents, today, settings);
    const coveredAfter = paidUntil(settlement.record, today, settings);
    const fromDay = coveredBefore && record.state !== 'expired' ? addDays(coveredBefore, 1) : today;
    const receipt: ReceiptRecord = {
      v: 1,
      number: this.#newReceiptNumber(today),
      issuedDay: today,
      amountCents,
      currency: settings.currency,
      method,
      servicePeriod: coveredAfter && coveredAfter >= fromDay ? { fromDay, toDay: coveredAfter } : null,
      issuer: settings.receiptIssuer,
    };
    txn.put(keys.billing(accountId), encodeRecord(settlement.record));
    txn.put(keys.receipt(accountId, receipt.number), encodeRecord(receipt));
    const entry: LedgerEntry = { v: 1, kind: 'credit', day: today, amountCents, method, receipt: receipt.number };
    txn.put(keys.ledgerEntry(accountId, today, `credit-${toHex(this.#context.crypto.randomBytes(4))}`), encodeRecord(entry));
    await this.recordCharges(txn, accountId, settlement.charges);
    return receipt;
  }

  /** Adds charged days to the month's charge line (one line per account and month). */
  async recordCharges(txn: Transaction, accountId: string, charges: Settlement['charges']): Promise<void> {
    const byMonth = new Map<string, Settlement['charges']>();
    for (const charge of charges) byMonth.set(charge.day.slice(0, 7), [...(byMonth.get(charge.day.slice(0, 7)) ?? []), charge]);
    for (const [month, days] of byMonth) {
      const key = keys.ledgerEntry(accountId, `${month}-01`, 'charge');
      const value = await txn.get(key);
      const previous = value ? (decodeRecord<LedgerEntry>(value) as Extract<LedgerEntry, { kind: 'charge' }>) : null;
      const cents = days.reduce((sum, charge) => sum + charge.cents, 0);
      const throughDay = days[days.length - 1]!.day;
      const entry: LedgerEntry = {
        v: 1,
        kind: 'charge',
        day: throughDay,
        month,
        amountCents: (previous?.amountCents ?? 0) + cents,
        fromDay: previous?.fromDay ?? days[0]!.day,
        throughDay,
        days: (previous?.days ?? 0) + days.length,
      };
      txn.put(key, encodeRecord(entry));
    }
  }

  /** Credits and monthly charges, oldest first. */
  async entries(accountId: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    const prefix = keys.ledgerPrefix(accountId);
    for await (const [, value] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) entries.push(decodeRecord<LedgerEntry>(value));
    // By day; on one day a credit comes before the charge it paid for.
    const order = (entry: LedgerEntry) => `${entry.day}/${entry.kind === 'credit' ? 0 : 1}`;
    return entries.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }

  async receipts(accountId: string): Promise<ReceiptRecord[]> {
    const receipts: ReceiptRecord[] = [];
    const prefix = keys.receiptPrefix(accountId);
    for await (const [, value] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) receipts.push(decodeRecord<ReceiptRecord>(value));
    return receipts.sort((a, b) => (a.issuedDay < b.issuedDay ? -1 : a.issuedDay > b.issuedDay ? 1 : a.number < b.number ? -1 : 1));
  }

  async receipt(accountId: string, number: string): Promise<ReceiptRecord> {
    if (typeof number !== 'string' || !/^R-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(number)) throw new MailError('RECEIPT_NONEXISTENT', 'no such receipt');
    const value = await this.#context.store.kv.get(keys.receipt(accountId, number));
    if (!value) throw new MailError('RECEIPT_NONEXISTENT', 'no such receipt');
    return decodeRecord<ReceiptRecord>(value);
  }

  #newReceiptNumber(today: Day): string {
    const random = [...this.#context.crypto.randomBytes(RECEIPT_RANDOM_CHARACTERS)].map((byte) => CODE_ALPHABET[byte & 0b11111]).join('');
    return `R-${today.slice(0, 4)}-${random.slice(0, 4)}-${random.slice(4)}`;
  }
}
