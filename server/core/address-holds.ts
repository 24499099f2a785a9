// Addresses of deleted accounts are held back from registration for a while, so that
// nobody can take over an address whose former owner's contacts still write to it (or
// reset passwords elsewhere with it). Held by the SHA-256 of the address: the data
// directory then names no deleted address, yet a new claim of one is still recognised.
import { createHash } from 'node:crypto';
import type { Transaction } from './account-writer.ts';
import { DAY_MS } from './calendar.ts';
import type { CoreContext } from './context.ts';
import { MailError } from './errors.ts';
import { END, keys } from './keys.ts';
import { decodeRecord, encodeRecord } from './records.ts';

interface AddressHoldRecord {
  v: 1;
  until: number;
}

export function addressHash(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex');
}

export class AddressHolds {
  readonly #context: CoreContext;
  readonly #holdDays: number;

  constructor(context: CoreContext, holdDays: number) {
    this.#context = context;
    this.#holdDays = holdDays;
  }

  /** Holds the addresses from now on; inside the transaction that begins a deletion. */
  hold(txn: Transaction, addresses: readonly string[]): void {
    if (this.#holdDays === 0) return;
    const until = this.#context.clock.now() + this.#holdDays * DAY_MS;
    for (const address of addresses) txn.put(keys.addressHold(addressHash(address)), encodeRecord({ v: 1, until } satisfies AddressHoldRecord));
  }

  /** Refuses a held address as if it were taken: a claim learns nothing about why. */
  async assertAvailable(txn: Transaction, address: string): Promise<void> {
    const value = await txn.get(keys.addressHold(addressHash(address)));
    if (value && decodeRecord<AddressHoldRecord>(value).until > this.#context.clock.now()) {
      throw new MailError('ADDRESS_TAKEN', `${address} is already taken`);
    }
  }

  /** Lifts the holds (an operator restoring the account that owned the addresses). */
  async release(addresses: readonly string[]): Promise<void> {
    await this.#context.store.kv.batch(addresses.map((address) => ({ type: 'del' as const, key: keys.addressHold(addressHash(address)) })));
  }

  /** Holds whose time is up: removed, or only counted when `dryRun`. */
  async dropExpired(dryRun: boolean): Promise<number> {
    const prefix = keys.addressHoldPrefix();
    const now = this.#context.clock.now();
    const expired: string[] = [];
    for await (const [key, value] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) {
      if (decodeRecord<AddressHoldRecord>(value).until <= now) expired.push(key);
    }
    if (!dryRun && expired.length > 0) await this.#context.store.kv.batch(expired.map((key) => ({ type: 'del' as const, key })));
    return expired.length;
  }
}
