// The delivery log (docs/design.md promise 5): per mailbox, each message sent and received, with
// time, direction, size, the remote mail server and the outcome. Kept by UTC day so that
// retention drops whole days; nothing else in Sealpost keeps these facts.
import { prefixRange, type KvOperation } from '../store/types.ts';
import type { Transaction } from './account-writer.ts';
import type { CoreContext } from './context.ts';
import { erasing } from './erasure.ts';
import { END, keys } from './keys.ts';
import { decodeRecord, encodeRecord, toHex, type DeliveryLogRecord } from './records.ts';

export interface DeliveryLogEntry extends DeliveryLogRecord {
  accountId: string;
  address: string;
}

const DAY_MS = 86_400_000;

export function utcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export class DeliveryLog {
  readonly #context: CoreContext;

  constructor(context: CoreContext) {
    this.#context = context;
  }

  /** Adds an entry inside the transaction that stores (or sends) the message, so the log
   * and the mailbox never disagree and no extra fsync is paid. */
  record(txn: Transaction, entry: DeliveryLogEntry): void {
    const entryId = `${keys.pad16(entry.time)}-${toHex(this.#context.crypto.randomBytes(4))}`;
    txn.put(keys.deliveryLog(utcDay(entry.time), entry.accountId, entryId), encodeRecord(entry));
  }

  /** The sender's side of mail sent: "out" entries in one durable batch with the caller's
   * own records (`alongside`: the outbound queue's entry), so the log and the queue never
   * disagree. Nothing is logged once the account is gone; `alongside` is written anyway. */
  async recordSent(accountId: string, entries: Omit<DeliveryLogEntry, 'accountId' | 'direction'>[], alongside: KvOperation[] = []): Promise<void> {
    await this.#context.writer.run(accountId, async (txn) => {
      if (entries.length > 0 && (await txn.get(keys.account(accountId)))) {
        for (const entry of entries) this.record(txn, { ...entry, accountId, direction: 'out' });
      }
      for (const operation of alongside) {
        if (operation.type === 'put') txn.put(operation.key, operation.value);
        else txn.del(operation.key);
      }
    });
  }

  async search(filter: { address?: string; accountId?: string; since?: number }): Promise<DeliveryLogEntry[]> {
    const since = filter.since ?? 0;
    const entries: DeliveryLogEntry[] = [];
    const prefix = keys.deliveryLogPrefix();
    const from = since > 0 ? keys.deliveryLogDayPrefix(utcDay(since)) : prefix;
    for await (const [, value] of this.#context.store.kv.iterate({ gte: from, lt: prefix + END })) {
      const entry = decodeRecord<DeliveryLogEntry>(value);
      if (entry.time < since) continue;
      if (filter.address && entry.address !== filter.address.toLowerCase()) continue;
      if (filter.accountId && entry.accountId !== filter.accountId) continue;
      entries.push(entry);
    }
    return entries;
  }

  /** Days present in the log, oldest first. */
  async days(): Promise<string[]> {
    const prefix = keys.deliveryLogPrefix();
    const days: string[] = [];
    let cursor = prefix;
    for (;;) {
      let found: string | undefined;
      for await (const [key] of this.#context.store.kv.iterate({ gte: cursor, lt: prefix + END, limit: 1 })) found = key;
      if (!found) return days;
      const day = found.slice(prefix.length, prefix.length + 10);
      days.push(day);
      cursor = keys.deliveryLogDayPrefix(day) + END;
    }
  }

  /** Removes every entry of one account (account deletion: promise 8 outranks the log). */
  async deleteAccount(accountId: string): Promise<void> {
    for (const day of await this.days()) {
      const prefix = `${keys.deliveryLogDayPrefix(day)}${accountId}/`;
      await this.#context.store.kv.clearRange({ gte: prefix, lt: prefix + END });
    }
  }

  /** The days older than the retention period, with how many entries each holds. */
  async expiredDays(retentionDays: number): Promise<{ day: string; entries: number }[]> {
    const oldestKept = utcDay(this.#context.clock.now() - (retentionDays - 1) * DAY_MS);
    const expired: { day: string; entries: number }[] = [];
    for (const day of await this.days()) {
      if (day >= oldestKept) break;
      let entries = 0;
      for await (const _ of this.#context.store.kv.iterate(prefixRange(keys.deliveryLogDayPrefix(day)))) entries += 1;
      expired.push({ day, entries });
    }
    return expired;
  }

  /** Erases every day older than the retention period (gone from the store's files, not
   * only from its index: promise 5); returns the days erased. */
  async eraseExpiredDays(retentionDays: number): Promise<string[]> {
    const expired = (await this.expiredDays(retentionDays)).map((entry) => entry.day);
    if (expired.length === 0) return [];
    await erasing(
      this.#context.store.kv,
      expired.map((day) => prefixRange(keys.deliveryLogDayPrefix(day))),
      () => this.dropExpiredDays(retentionDays),
    );
    return expired;
  }

  /** Drops every day older than the retention period; returns the days dropped. */
  async dropExpiredDays(retentionDays: number): Promise<string[]> {
    const oldestKept = utcDay(this.#context.clock.now() - (retentionDays - 1) * DAY_MS);
    const dropped: string[] = [];
    for (const day of await this.days()) {
      if (day >= oldestKept) break;
      const prefix = keys.deliveryLogDayPrefix(day);
      await this.#context.store.kv.clearRange({ gte: prefix, lt: prefix + END });
      dropped.push(day);
    }
    return dropped;
  }
}
