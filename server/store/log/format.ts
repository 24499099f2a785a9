// The on-disk format of the blob log: segment file headers, records, and the encoding of a
// blob's location (its extents), which COMMIT records and the persisted index share.
//
// Segment file: a 32-byte header, then records back to back.
//
//   header  0  8  magic "SEALPSEG"
//           8  4  format version (1)
//          12  4  reserved, zero
//          16  8  segment number (the file's own name, so a misplaced file is noticed)
//          24  4  reserved, zero
//          28  4  CRC-32 of bytes 0..28
//
//   record  0  4  magic "SPRC"
//           4  1  format version (1)
//           5  1  type: DATA | COMMIT | RELOCATE | DELETE
//           6  2  reserved, zero
//           8 20  blob id (the 40 hex digits as bytes)
//          28  4  payload length
//          32  4  CRC-32 of header bytes 0..32 followed by the payload
//          36  …  payload
//
// DATA carries a piece of a blob's bytes; COMMIT makes a blob exist with the location in its
// payload; RELOCATE moves a blob that still exists to a new location (compaction) and never
// creates one; DELETE (no payload) removes a blob. CRC-32 guards against torn and partial
// writes, not against an adversary: whoever can write the data directory can do worse, and
// message bodies are authenticated ciphertext anyway.

import { crc32 } from 'node:zlib';
import type { BlobId } from '../types.ts';
import { StoreError } from '../types.ts';

export const FORMAT_VERSION = 1;

const SEGMENT_MAGIC = new TextEncoder().encode('SEALPSEG');
export const SEGMENT_HEADER_BYTES = 32;

/** "SPRC": lets a scan tell a record from zeros or from the remains of a torn write. */
const RECORD_MAGIC = 0x53_50_52_43;
export const RECORD_HEADER_BYTES = 36;
const BLOB_ID_BYTES = 20;

export const RecordType = { data: 1, commit: 2, relocate: 3, delete: 4 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** A record never carries more than this: the largest location (a blob of 64 GiB in 256 KiB
 * pieces is 262,144 extents of 20 bytes = 5 MiB) fits with room to spare, and a scan that
 * meets a garbage length stops instead of reading gigabytes. */
export const MAX_RECORD_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** 2^32, for splitting a 53-bit integer into two 32-bit halves. */
const TWO_TO_32 = 0x1_0000_0000;

/** A position in the log: a segment number and a byte offset inside that segment. Positions
 * compare segment first, so "everything before P" is well defined across segments. */
export interface LogPosition {
  segment: number;
  offset: number;
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

/** Where a run of a blob's bytes lies: `length` payload bytes at `offset` in `segment`. */
export interface Extent {
  segment: number;
  offset: number;
  length: number;
}

/** A committed blob: its size and its bytes, in order. */
export interface BlobLocation {
  length: number;
  extents: Extent[];
}

export interface RecordHeader {
  type: RecordType;
  id: BlobId;
  payloadLength: number;
  checksum: number;
}

function writeUint64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / TWO_TO_32));
  view.setUint32(offset + 4, value >>> 0);
}

function readUint64(view: DataView, offset: number): number {
  const value = view.getUint32(offset) * TWO_TO_32 + view.getUint32(offset + 4);
  if (!Number.isSafeInteger(value)) throw new StoreError('IO', 'blob log: a 64-bit field is out of range');
  return value;
}

/** New zeroed bytes with a view on them. The ArrayBuffer comes first: asking a small typed
 * array for its buffer afterwards makes V8 move it off its heap, which costs more than the
 * encoding itself. */
function allocate(length: number): { bytes: Uint8Array; view: DataView } {
  const buffer = new ArrayBuffer(length);
  return { bytes: new Uint8Array(buffer), view: new DataView(buffer) };
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeSegmentHeader(segment: number): Uint8Array {
  const { bytes: header, view } = allocate(SEGMENT_HEADER_BYTES);
  header.set(SEGMENT_MAGIC, 0);
  view.setUint32(8, FORMAT_VERSION);
  writeUint64(view, 16, segment);
  view.setUint32(28, crc32(header.subarray(0, 28)));
  return header;
}

/** True when `header` is the intact header of segment `segment` in a format we read. */
export function isSegmentHeader(header: Uint8Array, segment: number): boolean {
  if (header.length < SEGMENT_HEADER_BYTES) return false;
  const view = viewOf(header);
  if (view.getUint32(28) !== crc32(header.subarray(0, 28))) return false;
  if (!SEGMENT_MAGIC.every((byte, index) => header[index] === byte)) return false;
  return view.getUint32(8) === FORMAT_VERSION && readUint64(view, 16) === segment;
}

/** The 36-byte header of a record whose payload is `payload` (given in pieces, so a blob's
 * bytes are checksummed where they lie, without a copy). */
export function encodeRecordHeader(type: RecordType, id: BlobId, payload: readonly Uint8Array[]): Uint8Array {
  const { bytes: header, view } = allocate(RECORD_HEADER_BYTES);
  let payloadLength = 0;
  for (const piece of payload) payloadLength += piece.length;
  view.setUint32(0, RECORD_MAGIC);
  header[4] = FORMAT_VERSION;
  header[5] = type;
  header.set(Buffer.from(id, 'hex'), 8);
  view.setUint32(28, payloadLength);
  let checksum = crc32(header.subarray(0, 32));
  for (const piece of payload) checksum = crc32(piece, checksum);
  view.setUint32(32, checksum);
  return header;
}

/** The header's fields, or undefined when these bytes are not a record header we write
 * (zeros, a torn write, another format version). */
export function decodeRecordHeader(header: Uint8Array): RecordHeader | undefined {
  if (header.length < RECORD_HEADER_BYTES) return undefined;
  const view = viewOf(header);
  if (view.getUint32(0) !== RECORD_MAGIC || header[4] !== FORMAT_VERSION || view.getUint16(6) !== 0) return undefined;
  const type = header[5];
  if (type !== RecordType.data && type !== RecordType.commit && type !== RecordType.relocate && type !== RecordType.delete) {
    return undefined;
  }
  const payloadLength = view.getUint32(28);
  if (payloadLength > MAX_RECORD_PAYLOAD_BYTES) return undefined;
  return {
    type,
    id: Buffer.from(header.subarray(8, 8 + BLOB_ID_BYTES)).toString('hex'),
    payloadLength,
    checksum: view.getUint32(32),
  };
}

/** True when `payload` is the payload the header's checksum was computed over. */
export function checksumMatches(header: Uint8Array, payload: Uint8Array): boolean {
  return crc32(payload, crc32(header.subarray(0, 32))) === viewOf(header).getUint32(32);
}

/** Location encoding: version byte, blob length (u64), extent count (u32), then per extent
 * segment (u64), offset (u64), length (u32). */
const LOCATION_FIXED_BYTES = 1 + 8 + 4;
const EXTENT_BYTES = 8 + 8 + 4;

/** The encoded size of a location with this many extents. */
export function locationBytes(extentCount: number): number {
  return LOCATION_FIXED_BYTES + extentCount * EXTENT_BYTES;
}

export function encodeLocation(location: BlobLocation): Uint8Array {
  const { bytes, view } = allocate(locationBytes(location.extents.length));
  bytes[0] = FORMAT_VERSION;
  writeUint64(view, 1, location.length);
  view.setUint32(9, location.extents.length);
  let offset = LOCATION_FIXED_BYTES;
  for (const extent of location.extents) {
    writeUint64(view, offset, extent.segment);
    writeUint64(view, offset + 8, extent.offset);
    view.setUint32(offset + 16, extent.length);
    offset += EXTENT_BYTES;
  }
  return bytes;
}

export function decodeLocation(bytes: Uint8Array): BlobLocation {
  const view = viewOf(bytes);
  if (bytes.length < LOCATION_FIXED_BYTES || bytes[0] !== FORMAT_VERSION) {
    throw new StoreError('IO', 'blob log: a blob location has an unknown format');
  }
  const length = readUint64(view, 1);
  const count = view.getUint32(9);
  if (bytes.length !== LOCATION_FIXED_BYTES + count * EXTENT_BYTES) {
    throw new StoreError('IO', 'blob log: a blob location has the wrong size');
  }
  const extents: Extent[] = [];
  let total = 0;
  for (let offset = LOCATION_FIXED_BYTES; offset < bytes.length; offset += EXTENT_BYTES) {
    const extent = { segment: readUint64(view, offset), offset: readUint64(view, offset + 8), length: view.getUint32(offset + 16) };
    total += extent.length;
    extents.push(extent);
  }
  if (total !== length) throw new StoreError('IO', 'blob log: a blob location does not add up to its length');
  return { length, extents };
}

/** Position encoding (the index checkpoint): version byte, segment (u64), offset (u64). */
export function encodePosition(position: LogPosition): Uint8Array {
  const { bytes, view } = allocate(17);
  bytes[0] = FORMAT_VERSION;
  writeUint64(view, 1, position.segment);
  writeUint64(view, 9, position.offset);
  return bytes;
}

export function decodePosition(bytes: Uint8Array): LogPosition {
  if (bytes.length !== 17 || bytes[0] !== FORMAT_VERSION) throw new StoreError('IO', 'blob log: the index checkpoint has an unknown format');
  const view = viewOf(bytes);
  return { segment: readUint64(view, 1), offset: readUint64(view, 9) };
}

export function encodeCount(value: number): Uint8Array {
  const { bytes, view } = allocate(8);
  writeUint64(view, 0, value);
  return bytes;
}

export function decodeCount(bytes: Uint8Array): number {
  if (bytes.length !== 8) throw new StoreError('IO', 'blob log: a byte counter has the wrong size');
  return readUint64(viewOf(bytes), 0);
}
