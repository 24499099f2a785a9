// Reads the records of a segment in order, in large sequential windows: recovery uses it to
// find where the intact log ends, compaction to find which blobs have bytes in a segment.

import type { FileHandle } from 'node:fs/promises';
import { StoreError } from '../types.ts';
import { checksumMatches, decodeRecordHeader, RECORD_HEADER_BYTES, type RecordHeader } from './format.ts';
import { readFully } from './segment-files.ts';

/** Large enough that a segment of small records costs few reads, small enough to hold. */
const WINDOW_BYTES = 1024 * 1024;

export interface ScannedRecord {
  header: RecordHeader;
  /** Offset of the record (its header) in the segment. */
  offset: number;
  /** The payload; valid only during the visit (the window is reused). */
  payload: Uint8Array;
}

/**
 * Visits the records of the segment open on `handle` from `from` up to `size`, and returns
 * the offset where the intact records end: `size` if all are intact, else the offset of the
 * first record that is cut short, not a record, or (with `verify`) fails its checksum.
 */
export async function scanRecords(
  handle: FileHandle,
  from: number,
  size: number,
  options: { verify: boolean },
  visit: (record: ScannedRecord) => void,
): Promise<number> {
  let buffer = new Uint8Array(0);
  let window = buffer;
  let windowStart = from;
  /** The bytes [position, position + length), reading a new window when needed. */
  const bytesAt = async (position: number, length: number): Promise<Uint8Array> => {
    if (position < windowStart || position + length > windowStart + window.length) {
      const wanted = Math.min(Math.max(WINDOW_BYTES, length), size - position);
      if (buffer.length < wanted) buffer = new Uint8Array(wanted);
      window = buffer.subarray(0, wanted);
      windowStart = position;
      if ((await readFully(handle, window, position)) < wanted) {
        throw new StoreError('IO', 'blob log: a segment ended while it was being read');
      }
    }
    return window.subarray(position - windowStart, position - windowStart + length);
  };

  let offset = from;
  while (offset < size) {
    if (size - offset < RECORD_HEADER_BYTES) return offset;
    const header = decodeRecordHeader(await bytesAt(offset, RECORD_HEADER_BYTES));
    if (!header) return offset;
    const recordBytes = RECORD_HEADER_BYTES + header.payloadLength;
    if (size - offset < recordBytes) return offset;
    const record = await bytesAt(offset, recordBytes);
    const payload = record.subarray(RECORD_HEADER_BYTES);
    if (options.verify && !checksumMatches(record, payload)) return offset;
    visit({ header, offset, payload });
    offset += recordBytes;
  }
  return offset;
}
