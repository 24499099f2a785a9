// Top-up by payment code (docs/design.md promise 6). The user asks for a random code and pays
// with it as the only reference; the operator, seeing the payment arrive, books the code
// and the amount. Booking credits the account and deletes the code in one transaction and
// then erases it from the store's files, so afterwards nothing links that payment (and
// whoever made it) to the mailbox. Unused codes expire and are erased by the retention job.
import { createHash } from 'node:crypto';
import { DAY_MS } from '../calendar.ts';
import type { CoreContext } from '../context.ts';
import { erasing } from '../erasure.ts';
import { MailError } from '../errors.ts';
import { END, keys } from '../keys.ts';
import { decodeRecord, encodeRecord } from '../records.ts';
import type { Statistics } from '../statistics.ts';
import { newCode, parseCode } from './codes.ts';
import { BILLING_QUEUE, type Ledger } from './ledger.ts';
import type { PaymentCodeRecord } from './records.ts';
import type { BillingSettings } from './settings.ts';
import type { PendingPaymentCode } from '../../../shared/billing-wire.ts';

/** 11 random characters (55 bits) and a check character, written XXXX-XXXX-XXXX: short to
 * type into a bank form, and a multi-character typo hitting another pending code is out of
 * reach (thousands of pending codes among 2^55). */
const PAYMENT_CODE_LENGTH = 12;
const PAYMENT_CODE_GROUP = 4;

export interface BookedPayment {
  amountCents: number;
  currency: string;
}

export class PaymentCodes {
  readonly #context: CoreContext;
  readonly #settings: BillingSettings;
  readonly #ledger: Ledger;
  readonly #statistics: Statistics;

  constructor(context: CoreContext, settings: BillingSettings, ledger: Ledger, statistics: Statistics) {
    this.#context = context;
    this.#settings = settings;
    this.#ledger = ledger;
    this.#statistics = statistics;
  }

  async request(accountId: string): Promise<PendingPaymentCode> {
    const now = this.#context.clock.now();
    const pending = await this.pending(accountId);
    if (pending.length >= this.#settings.pendingCodesPerAccount) {
      throw new MailError(
        'PAYMENT_CODE_LIMIT',
        `at most ${this.#settings.pendingCodesPerAccount} payment codes can wait for a payment at once: use one of them`,
      );
    }
    for (;;) {
      const code = newCode((length) => this.#context.crypto.randomBytes(length), PAYMENT_CODE_LENGTH, PAYMENT_CODE_GROUP);
      const record: PaymentCodeRecord = { v: 1, accountId, code, createdAt: now, expiresAt: now + this.#settings.paymentCodeValidDays * DAY_MS };
      const created = await this.#context.writer.run(BILLING_QUEUE, async (txn) => {
        if (!(await txn.get(keys.account(accountId)))) throw new MailError('ACCOUNT_NONEXISTENT', 'no such account');
        const key = keys.paymentCode(codeHash(code.replaceAll('-', '')));
        if (await txn.get(key)) return false;
        txn.put(key, encodeRecord(record));
        return true;
      });
      if (created) return { code, expiresAt: record.expiresAt };
    }
  }

  /** The account's codes still waiting for a payment, oldest first. */
  async pending(accountId: string): Promise<PendingPaymentCode[]> {
    const now = this.#context.clock.now();
    return (await this.#all())
      .filter(({ record }) => record.accountId === accountId && record.expiresAt > now)
      .sort((a, b) => a.record.createdAt - b.record.createdAt)
      .map(({ record }) => ({ code: record.code, expiresAt: record.expiresAt }));
  }

  /** The operator books a payment that arrived with this code. Says nothing about the
   * account it went to: the operator has no need to know. */
  async book(code: string, amountCents: number): Promise<BookedPayment> {
    const parsed = parseCode(code, PAYMENT_CODE_LENGTH);
    if (!parsed.ok) {
      throw parsed.reason === 'mistyped'
        ? new MailError('PAYMENT_CODE_MISTYPED', 'the code has a typo (its check character does not match): compare it with the payment reference again')
        : new MailError('PAYMENT_CODE_MISTYPED', `a payment code has ${PAYMENT_CODE_LENGTH} characters of 0-9 and A-Z, e.g. 7K2M-Q9XD-4HFW`);
    }
    this.#ledger.assertAmount(amountCents);
    const key = keys.paymentCode(codeHash(parsed.canonical));
    await erasing(this.#context.store.kv, [allCodes()], () =>
      this.#context.writer.run(BILLING_QUEUE, async (txn) => {
        const value = await txn.get(key);
        const record = value ? decodeRecord<PaymentCodeRecord>(value) : null;
        if (!record || record.expiresAt <= this.#context.clock.now()) {
          throw new MailError(
            'PAYMENT_CODE_UNKNOWN',
            'no payment code like this is waiting: it was booked already, it expired, or its account was deleted; return the payment',
          );
        }
        await this.#ledger.credit(txn, record.accountId, amountCents, 'payment-code');
        txn.del(key);
      }),
    );
    this.#statistics.count('topUps');
    return { amountCents, currency: this.#settings.currency };
  }

  /** Codes past their time, erased (or only counted when `dryRun`). */
  async dropExpired(dryRun: boolean): Promise<number> {
    const now = this.#context.clock.now();
    const expired = (await this.#all()).filter(({ record }) => record.expiresAt <= now).map(({ key }) => key);
    if (!dryRun && expired.length > 0) await this.#erase(expired);
    return expired.length;
  }

  /** Erases every code of an account (its deletion). */
  async forget(accountId: string): Promise<void> {
    const owned = (await this.#all()).filter(({ record }) => record.accountId === accountId).map(({ key }) => key);
    if (owned.length > 0) await this.#erase(owned);
  }

  async #erase(codeKeys: string[]): Promise<void> {
    await erasing(this.#context.store.kv, [allCodes()], () =>
      this.#context.writer.run(BILLING_QUEUE, async (txn) => {
        for (const key of codeKeys) txn.del(key);
      }),
    );
  }

  async #all(): Promise<{ key: string; record: PaymentCodeRecord }[]> {
    const prefix = keys.paymentCodePrefix();
    const all: { key: string; record: PaymentCodeRecord }[] = [];
    for await (const [key, value] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) {
      all.push({ key, record: decodeRecord<PaymentCodeRecord>(value) });
    }
    return all;
  }
}

/** Erasure compacts all pending codes at once, never one code's range: they are few (they
 * expire), and LevelDB's own LOG file names the bounds of every range it compacts. */
function allCodes(): { gte: string; lt: string } {
  return { gte: keys.paymentCodePrefix(), lt: keys.paymentCodePrefix() + END };
}

/** Of the canonical form (upper case, no separators). */
function codeHash(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}
