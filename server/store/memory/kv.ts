// In-memory KvStore for tests: the same contract as LevelDB (UTF-8 byte order, atomic
// batches, snapshot scans, copies in and out) with nothing durable. Keys are kept in a
// sorted array searched by bisection; scans copy their range when they begin, which is
// their snapshot.

import type { KvKey, KvOperation, KvRange, KvStore, KvValue } from '../types.ts';
import { StoreError } from '../types.ts';
import { assertClearRange, assertKey, assertOperations, assertRange } from '../validate.ts';
import { compareKeys } from './key-order.ts';

/** Up to this many new or removed keys per batch are spliced in place (one memmove each);
 * beyond it one merge pass over the whole array is cheaper. */
const SPLICE_LIMIT = 32;

export class MemoryKvStore implements KvStore {
  /** Every key, sorted by compareKeys. */
  #keys: string[] = [];
  /** Stored values are private copies that are never mutated, so a scan may hold them. */
  readonly #values = new Map<string, Uint8Array>();
  #closed = false;

  async get(key: KvKey): Promise<KvValue | undefined> {
    this.#assertOpen();
    assertKey(key);
    return copyOf(this.#values.get(key));
  }

  async getMany(keys: readonly KvKey[]): Promise<(KvValue | undefined)[]> {
    this.#assertOpen();
    if (!Array.isArray(keys)) throw new StoreError('INVALID_ARGUMENT', 'keys must be an array');
    for (const key of keys) assertKey(key);
    return keys.map((key) => copyOf(this.#values.get(key)));
  }

  async batch(operations: readonly KvOperation[]): Promise<void> {
    this.#assertOpen();
    assertOperations(operations);
    this.#apply(operations);
  }

  async *iterate(range: KvRange): AsyncIterable<[KvKey, KvValue]> {
    this.#assertOpen();
    assertRange(range);
    const entries = this.#snapshot(range);
    for (const [key, value] of entries) {
      this.#assertOpen();
      yield [key, new Uint8Array(value)];
    }
  }

  async clearRange(range: { gte: KvKey; lt: KvKey }): Promise<void> {
    this.#assertOpen();
    assertClearRange(range);
    const from = this.#lowerBound(range.gte);
    const to = Math.max(from, this.#lowerBound(range.lt));
    for (const key of this.#keys.splice(from, to - from)) this.#values.delete(key);
  }

  /** Nothing to do: a deleted value is dropped from memory when it is deleted. */
  async compact(range: { gte: KvKey; lt: KvKey }): Promise<void> {
    this.#assertOpen();
    assertClearRange(range);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #apply(operations: readonly KvOperation[]): void {
    // The batch's net effect per key (a later operation on the same key wins), computed
    // before anything changes so the batch lands as a whole.
    const effects = new Map<string, Uint8Array | undefined>();
    for (const operation of operations) {
      effects.set(operation.key, operation.type === 'put' ? new Uint8Array(operation.value) : undefined);
    }
    const added: string[] = [];
    const removed = new Set<string>();
    for (const [key, value] of effects) {
      const existed = this.#values.has(key);
      if (value === undefined) {
        if (existed) removed.add(key);
        this.#values.delete(key);
      } else {
        if (!existed) added.push(key);
        this.#values.set(key, value);
      }
    }
    if (added.length + removed.size <= SPLICE_LIMIT) {
      for (const key of removed) this.#keys.splice(this.#lowerBound(key), 1);
      for (const key of added) this.#keys.splice(this.#lowerBound(key), 0, key);
    } else {
      this.#keys = mergeSorted(removed.size > 0 ? this.#keys.filter((key) => !removed.has(key)) : this.#keys, added.sort(compareKeys));
    }
  }

  #snapshot(range: KvRange): [string, Uint8Array][] {
    const from = range.gte === undefined ? 0 : this.#lowerBound(range.gte);
    const to = Math.max(from, range.lt === undefined ? this.#keys.length : this.#lowerBound(range.lt));
    const count = Math.min(to - from, range.limit ?? Infinity);
    const keys = range.reverse ? this.#keys.slice(to - count, to).reverse() : this.#keys.slice(from, from + count);
    return keys.map((key) => [key, this.#values.get(key) as Uint8Array]);
  }

  /** Index of the first key not before `key`. */
  #lowerBound(key: string): number {
    let low = 0;
    let high = this.#keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.#keys[middle] as string, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the key-value store is closed');
  }
}

function copyOf(value: Uint8Array | undefined): Uint8Array | undefined {
  return value === undefined ? undefined : new Uint8Array(value);
}

function mergeSorted(left: readonly string[], right: readonly string[]): string[] {
  const merged: string[] = new Array(left.length + right.length);
  let l = 0;
  let r = 0;
  let out = 0;
  while (l < left.length && r < right.length) {
    merged[out++] = compareKeys(left[l] as string, right[r] as string) <= 0 ? (left[l++] as string) : (right[r++] as string);
  }
  while (l < left.length) merged[out++] = left[l++] as string;
  while (r < right.length) merged[out++] = right[r++] as string;
  return merged;
}
