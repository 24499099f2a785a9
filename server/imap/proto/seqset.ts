// Sequence sets (RFC 3501 section 9 "sequence-set", RFC 5182 "$"): parsing into a typed
// form, resolving against the selected mailbox for message numbers or UIDs, and the
// compact form (`1:5,7,9:12`) used in APPENDUID, COPYUID, VANISHED and ESEARCH.

import { ProtoError } from './errors.ts';

/** `*`: the largest number in use (RFC 9051 section 9, seq-number). */
export type SeqBound = number | '*';

/** One element as written; `4:2` and `*:4` are kept as written and mean the same as `2:4`, `4:*`. */
export interface SeqRange {
  readonly from: SeqBound;
  readonly to: SeqBound;
}

export type SequenceSet =
  /** `$`: the result saved by SEARCH RETURN (SAVE); the session substitutes it. */
  { readonly kind: 'saved' } | { readonly kind: 'ranges'; readonly ranges: readonly SeqRange[] };

/** nz-number is 32 bits (RFC 3501 section 9). */
export const MAX_NZ_NUMBER = 0xffff_ffff;

function invalid(reason: string): ProtoError {
  return new ProtoError('INVALID_SEQUENCE_SET', `Invalid sequence set: ${reason}`);
}

/** Parses a sequence set; `$` only where the grammar allows it (SEARCHRES). */
export function parseSequenceSet(text: string, allowSaved = true): SequenceSet {
  if (text === '$') {
    if (!allowSaved) throw invalid('"$" is not allowed here');
    return { kind: 'saved' };
  }
  const ranges: SeqRange[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    let from: SeqBound;
    [from, i] = readBound(text, i);
    let to = from;
    if (text.charCodeAt(i) === 0x3a) [to, i] = readBound(text, i + 1);
    ranges.push({ from, to });
    if (i === n) return { kind: 'ranges', ranges };
    if (text.charCodeAt(i) !== 0x2c) throw invalid('expected "," or ":"');
    i++;
  }
}

function readBound(text: string, start: number): [SeqBound, number] {
  const first = text.charCodeAt(start);
  if (first === 0x2a) return ['*', start + 1];
  if (!(first >= 0x31 && first <= 0x39)) throw invalid(first === 0x30 ? 'zero is not a message number' : 'expected a number or "*"');
  let v = 0;
  let i = start;
  for (; i < text.length; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    if (v > MAX_NZ_NUMBER) throw invalid('number out of range');
  }
  return [v, i];
}

/** The set's ranges as ordered, merged, inclusive [low, high] pairs, `*` replaced by `star`. */
export function normaliseRanges(ranges: readonly SeqRange[], star: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (const r of ranges) {
    const a = r.from === '*' ? star : r.from;
    const b = r.to === '*' ? star : r.to;
    pairs.push(a <= b ? [a, b] : [b, a]);
  }
  if (pairs.length > 1) pairs.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const p of pairs) {
    const last = merged[merged.length - 1];
    if (last !== undefined && p[0] <= last[1] + 1) {
      if (p[1] > last[1]) last[1] = p[1];
    } else {
      merged.push([p[0], p[1]]);
    }
  }
  return merged;
}

/**
 * Message sequence numbers named by the set, ascending and without duplicates.
 * A number above `messageCount` is an error (RFC 3501 section 9: tagged BAD). In an empty
 * mailbox `*` names no message, so `1:*` yields nothing instead of an error: clients send
 * `FETCH 1:*` right after selecting an empty folder and every common server answers OK.
 */
export function resolveSequenceNumbers(ranges: readonly SeqRange[], messageCount: number): number[] {
  const out: number[] = [];
  if (messageCount === 0) {
    for (const r of ranges) {
      if (r.from !== '*' && r.to !== '*') throw new ProtoError('MESSAGE_NUMBER_OUT_OF_RANGE', 'No such message');
    }
    return out;
  }
  for (const [low, high] of normaliseRanges(ranges, messageCount)) {
    if (high > messageCount) throw new ProtoError('MESSAGE_NUMBER_OUT_OF_RANGE', 'No such message');
    for (let s = low; s <= high; s++) out.push(s);
  }
  return out;
}

/**
 * Sequence numbers (1-based positions in `uids`) of the messages whose UID is in the set.
 * `uids` is the mailbox's UID list in ascending order. UIDs that do not exist are ignored,
 * and `*` is the highest UID in use, so `n:*` always includes the last message.
 */
export function resolveUids(ranges: readonly SeqRange[], uids: ArrayLike<number>): number[] {
  const out: number[] = [];
  const count = uids.length;
  if (count === 0) return out;
  for (const [low, high] of normaliseRanges(ranges, uids[count - 1]!)) {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (uids[mid]! < low) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < count && uids[i]! <= high; i++) out.push(i + 1);
  }
  return out;
}

/**
 * Compact form of a list of numbers: runs of consecutive values become `a:b`.
 * By default the numbers are sorted and deduplicated; COPYUID pairs a source and a
 * destination set element by element, so it keeps the given order (`preserveOrder`).
 */
export function formatSequenceSet(numbers: Iterable<number>, preserveOrder = false): string {
  let list = Array.from(numbers);
  if (list.length === 0) throw new ProtoError('INVALID_RESPONSE', 'An empty sequence set cannot be written');
  if (!preserveOrder) list = Array.from(new Set(list)).sort((a, b) => a - b);
  let out = '';
  let i = 0;
  while (i < list.length) {
    const start = list[i]!;
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j]! + 1) j++;
    if (out.length > 0) out += ',';
    out += j > i ? `${start}:${list[j]}` : String(start);
    i = j + 1;
  }
  return out;
}

/** The wire text of a typed set (e.g. for echoing a client's set back). */
export function formatSequenceRanges(set: SequenceSet): string {
  if (set.kind === 'saved') return '$';
  return set.ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`)).join(',');
}
