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
