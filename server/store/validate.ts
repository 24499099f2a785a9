// Argument checks shared by every backend, so that all of them refuse the same bad input
// with the same StoreError before anything is written. A bad operation must never reach a
// merged group-commit write, where it would fail the batches of other callers too.

import type { KvOperation, KvRange } from './types.ts';
import { StoreError } from './types.ts';

/** Matches only unpaired surrogates: with the `u` flag a valid pair is one code point. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Keys must survive a round trip through UTF-8 unchanged; a lone surrogate would not (it
 * becomes U+FFFD), so two different keys could silently collide. */
export function assertKey(key: unknown, what = 'key'): asserts key is string {
  if (typeof key !== 'string') throw new StoreError('INVALID_ARGUMENT', `${what} must be a string`);
  if (key.length === 0) throw new StoreError('INVALID_ARGUMENT', `${what} must not be empty`);
  if (LONE_SURROGATE.test(key)) {
    throw new StoreError('INVALID_ARGUMENT', `${what} contains an unpaired UTF-16 surrogate`);
  }
}

export function assertValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new StoreError('INVALID_ARGUMENT', 'value must be a Uint8Array');
}

export function assertOperations(operations: unknown): asserts operations is readonly KvOperation[] {
  if (!Array.isArray(operations)) throw new StoreError('INVALID_ARGUMENT', 'operations must be an array');
  for (const operation of operations as unknown[]) {
    if (typeof operation !== 'object' || operation === null) {
      throw new StoreError('INVALID_ARGUMENT', 'each operation must be an object');
    }
    const { type, key, value } = operation as { type?: unknown; key?: unknown; value?: unknown };
    assertKey(key);
    if (type === 'put') assertValue(value);
    else if (type !== 'del') throw new StoreError('INVALID_ARGUMENT', "operation type must be 'put' or 'del'");
  }
}

export function assertRange(range: unknown): asserts range is KvRange {
  if (typeof range !== 'object' || range === null) throw new StoreError('INVALID_ARGUMENT', 'range must be an object');
  const { gte, lt, reverse, limit } = range as KvRange;
  if (gte !== undefined) assertKey(gte, 'range.gte');
  if (lt !== undefined) assertKey(lt, 'range.lt');
  if (reverse !== undefined && typeof reverse !== 'boolean') {
    throw new StoreError('INVALID_ARGUMENT', 'range.reverse must be a boolean');
  }
  if (limit !== undefined && !(limit === Infinity || (Number.isSafeInteger(limit) && limit >= 0))) {
    throw new StoreError('INVALID_ARGUMENT', 'range.limit must be a non-negative integer');
  }
}

export function assertClearRange(range: unknown): asserts range is { gte: string; lt: string } {
  if (typeof range !== 'object' || range === null) throw new StoreError('INVALID_ARGUMENT', 'range must be an object');
  const { gte, lt } = range as { gte?: unknown; lt?: unknown };
  assertKey(gte, 'range.gte');
  assertKey(lt, 'range.lt');
}

/** Resolves a blob byte range against the blob's size: [start, end) clamped to the blob. */
export function resolveBlobRange(range: { start?: number; end?: number } | undefined, size: number): { start: number; end: number } {
  const start = range?.start ?? 0;
  assertByteCount(start, 'range.start');
  // Without an end the range runs to the end of the blob, which is empty if start is past it.
  const end = range?.end ?? Math.max(start, size);
  assertByteCount(end, 'range.end');
  if (start > end) throw new StoreError('INVALID_ARGUMENT', 'range.start must not exceed range.end');
  return { start: Math.min(start, size), end: Math.min(end, size) };
}

export function assertByteCount(value: unknown, what: string): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new StoreError('INVALID_ARGUMENT', `${what} must be a non-negative integer`);
  }
}
