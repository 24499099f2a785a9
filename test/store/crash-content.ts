// What the crash-test child writes, derived from the write's number alone, so the parent can
// check every acknowledged write without being told its content.

import type { KvOperation } from '../../server/store/types.ts';

/** Keys per batch: enough that a torn batch would show as a partial set. */
export const CRASH_BATCH_KEYS = 10;
/** 4 KiB values, the size of a typical message record. */
const CRASH_VALUE_BYTES = 4096;

export const crashKey = (n: number, index: number) => `crash/${String(n).padStart(8, '0')}/${index}`;

export function crashValue(n: number, index: number): Uint8Array {
  const value = new Uint8Array(CRASH_VALUE_BYTES).fill((n * 7 + index) & 0xff);
  new DataView(value.buffer).setUint32(0, n);
  return value;
}

export function crashBatch(n: number): KvOperation[] {
  return Array.from({ length: CRASH_BATCH_KEYS }, (_, index) => ({ type: 'put', key: crashKey(n, index), value: crashValue(n, index) }));
}

/** About 20 KB, the size of a typical message, varying so that lengths are checked too. */
export function crashBlobContent(n: number): Uint8Array {
  const content = new Uint8Array(20_000 + (n % 997)).fill(n & 0xff);
  new DataView(content.buffer).setUint32(0, n);
  return content;
}
