// Anonymous vouchers: the operator prints codes to be sold anywhere; whoever holds one
// credits a mailbox with it. Only an Argon2id hash of each code is stored, under the code's
// first characters (a public selector for the lookup); redeeming marks the voucher used,
// in the same transaction as the credit, and records neither who redeemed it nor when.
import argon2 from 'argon2';
import { utcDay } from '../calendar.ts';
import type { CoreContext } from '../context.ts';
import { MailError } from '../errors.ts';
import { keys } from '../keys.ts';
import { decodeRecord, encodeRecord } from '../records.ts';
import type { Statistics } from '../statistics.ts';
import { newCode, parseCode } from './codes.ts';
import { BILLING_QUEUE, type Ledger } from './ledger.ts';
import type { VoucherRecord } from './records.ts';
import type { VoucherRedemption } from '../../../shared/billing-wire.ts';

/** 20 characters written XXXXX-XXXXX-XXXXX-XXXXX: a 6-character selector (30 bits, so
 * selectors rarely collide and a collision is simply redrawn), 13 secret characters (65
 * bits: out of reach of guessing even with the hashes in hand) and a check character. */
const VOUCHER_LENGTH = 20;
const VOUCHER_GROUP = 5;
const SELECTOR_LENGTH = 6;
/** OWASP's minimum Argon2id settings (19 MiB, 2 passes, 1 lane): the secret part is already
 * strong, so the hash only has to make a stolen store useless, at ~20 ms per code. */
const VOUCHER_HASH = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/** A voucher batch printed at once; larger runs are split by the operator. */
const MAX_VOUCHERS_PER_BATCH = 10_000;
/** Vouchers written per durable batch while a large run is created. */
const VOUCHERS_PER_WRITE = 100;

export class Vouchers {
  readonly #context: CoreContext;
  readonly #ledger: Ledger;
  readonly #statistics: Statistics;
  /** Verified against when the selector is unknown, so that the answer takes as long. */
  #decoyHash: Promise<string> | undefined;

  constructor(context: CoreContext, ledger: Ledger, statistics: Statistics) {
    this.#context = context;
    this.#ledger = ledger;
    this.#statistics = statistics;
  }

  /** Creates `count` vouchers worth `valueCents` each; returns their codes, which exist
   * nowhere else afterwards. */
  async create(valueCents: number, count: number): Promise<string[]> {
    this.#ledger.assertAmount(valueCents);
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_VOUCHERS_PER_BATCH) {
      throw new MailError('INVALID_ARGUMENT', `the count must be a whole number from 1 to ${MAX_VOUCHERS_PER_BATCH}`);
    }
    const codes: string[] = [];
    const createdDay = utcDay(this.#context.clock.now());
    while (codes.length < count) {
      const drafts: { code: string; selector: string; record: VoucherRecord }[] = [];
      for (let index = 0; index < Math.min(VOUCHERS_PER_WRITE, count - codes.length); index++) {
        const code = newCode((length) => this.#context.crypto.randomBytes(length), VOUCHER_LENGTH, VOUCHER_GROUP);
        const canonical = code.replaceAll('-', '');
        drafts.push({
          code,
          selector: canonical.slice(0, SELECTOR_LENGTH),
          record: { v: 1, hash: await argon2.hash(canonical, VOUCHER_HASH), valueCents, createdDay, used: false },
        });
      }
      const written = await this.#context.writer.run(BILLING_QUEUE, async (txn) => {
        const fresh: string[] = [];
        for (const draft of drafts) {
          const key = keys.voucher(draft.selector);
          if (await txn.get(key)) continue;
          txn.put(key, encodeRecord(draft.record));
          fresh.push(draft.code);
        }
        return fresh;
      });
      codes.push(...written);
    }
    return codes;
  }

  async redeem(accountId: string, code: string): Promise<VoucherRedemption> {
    const parsed = parseCode(code, VOUCHER_LENGTH);
    if (!parsed.ok) {
      throw parsed.reason === 'mistyped'
        ? new MailError('VOUCHER_MISTYPED', 'the voucher code has a typo: please check it character by character')
        : new MailError('VOUCHER_INVALID', `a voucher code has ${VOUCHER_LENGTH} characters of 0-9 and A-Z`);
    }
    const key = keys.voucher(parsed.canonical.slice(0, SELECTOR_LENGTH));
    const stored = await this.#context.store.kv.get(key);
    const record = stored ? decodeRecord<VoucherRecord>(stored) : null;
    // Hashing happens outside the billing queue, whose transactions must stay short.
    this.#decoyHash ??= argon2.hash('decoy voucher', VOUCHER_HASH);
    const genuine = await argon2.verify(record?.hash ?? (await this.#decoyHash), parsed.canonical).catch(() => false);
    if (!record || !genuine) throw new MailError('VOUCHER_INVALID', 'this is not a valid voucher code');
    const result = await this.#context.writer.run(BILLING_QUEUE, async (txn) => {
      const value = await txn.get(key);
      const current = value ? decodeRecord<VoucherRecord>(value) : null;
      if (!current || current.hash !== record.hash) throw new MailError('VOUCHER_INVALID', 'this is not a valid voucher code');
      if (current.used) throw new MailError('VOUCHER_USED', 'this voucher has already been redeemed');
      const receipt = await this.#ledger.credit(txn, accountId, current.valueCents, 'voucher');
      txn.put(key, encodeRecord({ ...current, used: true } satisfies VoucherRecord));
      return { creditedCents: current.valueCents, receipt: receipt.number };
    });
    this.#statistics.count('topUps');
    const billing = await this.#context.store.kv.get(keys.billing(accountId));
    return { ...result, balanceCents: billing ? decodeRecord<{ balanceCents: number }>(billing).balanceCents : 0 };
  }
}
