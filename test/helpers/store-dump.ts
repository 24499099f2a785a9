// Everything a store holds, for tests that must show an operation changed nothing (a failed
// booking, a dry run): every key-value entry but the blob log's own index, which catches up
// with earlier deletions in the background. Blobs are covered by the entries that reference
// them (message records and blob references).
import { BLOB_LOG_INDEX_PREFIX } from '../../server/store/open.ts';
import type { Store } from '../../server/store/types.ts';

export interface StoreDump {
  entries: Map<string, string>;
}

export async function dumpStore(store: Store): Promise<StoreDump> {
  const entries = new Map<string, string>();
  for await (const [key, value] of store.kv.iterate({})) {
    if (!key.startsWith(BLOB_LOG_INDEX_PREFIX)) entries.set(key, Buffer.from(value).toString('base64'));
  }
  return { entries };
}

/** Keys added, removed or changed between two dumps, for a readable failure. */
export function storeDifferences(before: StoreDump, after: StoreDump): string[] {
  const differences: string[] = [];
  for (const [key, value] of after.entries) {
    if (!before.entries.has(key)) differences.push(`added ${key}`);
    else if (before.entries.get(key) !== value) differences.push(`changed ${key}`);
  }
  for (const key of before.entries.keys()) if (!after.entries.has(key)) differences.push(`removed ${key}`);
  return differences;
}
