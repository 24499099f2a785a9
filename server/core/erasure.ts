// Erasure: deleting so that the bytes are gone from the live store's files, not only from
// its index (docs/design.md promises 6 and 8). LevelDB keeps a deleted value in its log and
// table files until a compaction merges it with the deletion; when a value and its
// deletion sit in the same unflushed memtable they are flushed into one table that a
// compaction of the range may never revisit. So: flush first (the values land in table
// files of their own), delete, then compact every range touched, which carries the
// deletions down through the levels holding the old values and drops both.
import type { KvStore } from '../store/types.ts';

export interface KeyRange {
  gte: string;
  lt: string;
}

/** The range holding exactly one key. */
export function keyRange(key: string): KeyRange {
  return { gte: key, lt: `${key}\u0000` };
}

export async function erasing<T>(kv: KvStore, ranges: readonly KeyRange[], deletion: () => Promise<T>): Promise<T> {
  const first = ranges[0];
  if (first) await kv.compact(first);
  const result = await deletion();
  for (const range of ranges) await kv.compact(range);
  return result;
}

/**
 * Deletions no promise needs erased at once (expunged messages, deleted folders, expired
 * Junk and Trash), erased together later: the flush a deletion needs beforehand (above)
 * would cost every EXPUNGE a memtable flush. By the time of the run a value and its
 * deletion may share a table that a compaction of the range never rewrites (LevelDB puts a
 * flushed table as deep as level 2 when nothing overlaps it, and a manual compaction stops
 * above the deepest level with files). So the run flushes, deletes the same keys again
 * (a no-op for the data: they stay deleted) and compacts: the fresh deletions land above
 * the old table and the compaction merges them down through it, dropping the old values,
 * as `erasing` does. A user's "deleted" holds in the store's files within one interval
 * (retention.erasureIntervalMinutes).
 */
export class PendingErasure {
  readonly #kv: KvStore;
  readonly #ranges = new Map<string, KeyRange>();
  readonly #keys = new Set<string>();

  constructor(kv: KvStore) {
    this.#kv = kv;
  }

  /** `deletedKeys` were deleted and lie inside `range`. */
  mark(range: KeyRange, deletedKeys: readonly string[]): void {
    this.#ranges.set(`${range.gte}\0${range.lt}`, range);
    for (const key of deletedKeys) this.#keys.add(key);
  }

  /** Erases everything marked so far; how many ranges. What fails stays marked. */
  async run(): Promise<number> {
    const ranges = [...this.#ranges.values()];
    const deleted = [...this.#keys];
    const first = ranges[0];
    if (!first) return 0;
    this.#ranges.clear();
    this.#keys.clear();
    try {
      await this.#kv.compact(first);
      await this.#kv.batch(deleted.map((key) => ({ type: 'del' as const, key })));
      for (const range of ranges) await this.#kv.compact(range);
    } catch (error) {
      for (const range of ranges) this.#ranges.set(`${range.gte}\0${range.lt}`, range);
      for (const key of deleted) this.#keys.add(key);
      throw error;
    }
    return ranges.length;
  }
}
