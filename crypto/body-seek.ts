// Partial decryption of a stored body (IMAP partial FETCH, resumable downloads): reads the
// header, the 16-byte MACs of the chunks before the range, and the chunks in the range;
// decrypts only the latter. The returned bytes are authenticated: each returned chunk's MAC
// verifies under a state derived from the key, the header, the chunk index and the earlier
// MACs, so it is what the encryptor wrote at that position of that stream. Earlier chunks'
// contents are not verified (nor read). Truncation is detected when the range reaches the end.

import { CryptoError } from './api.ts';
import type { CiphertextReader } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { KEY_BYTES, SECRETSTREAM_MAC_BYTES, SECRETSTREAM_STATE_BYTES } from './primitives.ts';
import { requireBytes, requireNonNegativeInteger } from './bytes.ts';
import {
  BODY_CHUNK_SIZE,
  BODY_HEADER_BYTES,
  FULL_CHUNK_CIPHERTEXT_BYTES,
  bodyChunkCount,
  bodyPlaintextSize,
  checkBodyFormatByte,
  pullBodyChunk,
} from './body-stream.ts';
import { LABELS } from './format.ts';
import { subkey } from './keys.ts';
import { skipChunks } from './secretstream-state.ts';

/** Reads in flight at once: enough to hide a store's latency over the ≤320 MAC reads of a
 * 20 MB body, few enough not to flood it. */
const READ_CONCURRENCY = 16;

interface ByteRange {
  offset: number;
  length: number;
}

function chunkStart(chunkIndex: number): number {
  return BODY_HEADER_BYTES + chunkIndex * FULL_CHUNK_CIPHERTEXT_BYTES;
}

async function readExactly(read: CiphertextReader, { offset, length }: ByteRange): Promise<Uint8Array> {
  const bytes = await read(offset, length);
  if (!(bytes instanceof Uint8Array)) throw new CryptoError('INVALID_ARGUMENT', 'ciphertext reader must return a Uint8Array');
  if (bytes.length < length) {
    throw new CryptoError('TRUNCATED', `stored body has ${bytes.length} of the ${length} bytes at offset ${offset}`);
  }
  if (bytes.length > length) {
    throw new CryptoError('INVALID_ARGUMENT', `ciphertext reader returned ${bytes.length} bytes for a read of ${length}`);
  }
  return bytes;
}

async function readAll(read: CiphertextReader, ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
  const results: Uint8Array[] = new Array(ranges.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < ranges.length) {
      const index = next++;
      results[index] = await readExactly(read, ranges[index]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, ranges.length) }, worker));
  return results;
}

export async function decryptBodyRange(
  p: SodiumPrimitives,
  contentKey: Uint8Array,
  read: CiphertextReader,
  ciphertextSize: number,
  start: number,
  end: number,
): Promise<Uint8Array> {
  requireBytes(contentKey, 'contentKey', KEY_BYTES);
  if (typeof read !== 'function') throw new CryptoError('INVALID_ARGUMENT', 'read must be a function');
  requireNonNegativeInteger(start, 'start');
  requireNonNegativeInteger(end, 'end');
  const plaintextSize = bodyPlaintextSize(ciphertextSize);
  if (start > end || end > plaintextSize) {
    throw new CryptoError('INVALID_ARGUMENT', `range [${start}, ${end}) is outside the ${plaintextSize}-byte body`);
  }
  if (start === end) return new Uint8Array(0);

  const chunkCount = bodyChunkCount(plaintextSize);
  const firstChunk = Math.floor(start / BODY_CHUNK_SIZE);
  const lastChunk = Math.floor((end - 1) / BODY_CHUNK_SIZE);
  const spanEnd = Math.min(chunkStart(lastChunk + 1), ciphertextSize);

  // One read from just before the first chunk to the end of the last: it takes in the
  // header (first chunk 0) or the MAC of the chunk before (which ends where ours begins).
  // The header and the other earlier MACs are small separate reads.
  const ranges: ByteRange[] = [];
  if (firstChunk === 0) {
    ranges.push({ offset: 0, length: spanEnd });
  } else {
    const spanStart = chunkStart(firstChunk) - SECRETSTREAM_MAC_BYTES;
    ranges.push({ offset: spanStart, length: spanEnd - spanStart }, { offset: 0, length: BODY_HEADER_BYTES });
    for (let chunk = 0; chunk < firstChunk - 1; chunk++) {
      ranges.push({ offset: chunkStart(chunk + 1) - SECRETSTREAM_MAC_BYTES, length: SECRETSTREAM_MAC_BYTES });
    }
  }
  const [span, ...small] = await readAll(read, ranges);
  const header = firstChunk === 0 ? span!.subarray(0, BODY_HEADER_BYTES) : small[0]!;
  const macs = firstChunk === 0 ? [] : [...small.slice(1), span!.subarray(0, SECRETSTREAM_MAC_BYTES)];
  let chunks = firstChunk === 0 ? span!.subarray(BODY_HEADER_BYTES) : span!.subarray(SECRETSTREAM_MAC_BYTES);

  checkBodyFormatByte(header[0]);
  const state = new Uint8Array(SECRETSTREAM_STATE_BYTES);
  const bodyKey = subkey(p, LABELS.bodyKey, contentKey);
  try {
    p.secretstreamInitPull(state, header.subarray(1), bodyKey);
    skipChunks(state, macs);

    const output = new Uint8Array(end - start);
    for (let chunkIndex = firstChunk; chunkIndex <= lastChunk; chunkIndex++) {
      const ciphertext = chunks.subarray(0, FULL_CHUNK_CIPHERTEXT_BYTES);
      chunks = chunks.subarray(ciphertext.length);
      const { plaintext, isFinal } = pullBodyChunk(p, state, ciphertext, chunkIndex);
      const isLast = chunkIndex === chunkCount - 1;
      if (isFinal && !isLast) throw new CryptoError('MALFORMED', `body chunk ${chunkIndex} is final but more data follows`);
      if (!isFinal && isLast) throw new CryptoError('TRUNCATED', 'body ends without its final chunk');
      // Copy the part of this chunk that lies inside [start, end).
      const chunkOffset = chunkIndex * BODY_CHUNK_SIZE;
      const from = Math.max(start - chunkOffset, 0);
      const to = Math.min(end - chunkOffset, plaintext.length);
      output.set(plaintext.subarray(from, to), chunkOffset + from - start);
    }
    return output;
  } finally {
    p.memzero(bodyKey);
    p.memzero(state);
  }
}
