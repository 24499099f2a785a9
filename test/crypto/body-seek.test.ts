// decryptBodyRange: every range boundary case against sequential decryption, which bytes
// it reads, and the load-time check of libsodium's secretstream state layout.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CiphertextReader } from '../../crypto/api.ts';
import { BODY_CHUNK_SIZE } from '../../crypto/body-stream.ts';
import type { SecretstreamState, SodiumPrimitives } from '../../crypto/primitives.ts';
import { createSealpostCrypto } from '../../crypto/sealpost.ts';
import { verifySecretstreamLayout } from '../../crypto/secretstream-state.ts';
import { decryptBody, encryptBody, loadBackends, patternBytes, readerOf } from './helpers.ts';

const CHUNK = BODY_CHUNK_SIZE;
const FULL_CHUNK = CHUNK + 17;
const HEADER = 25;

/** Offsets where something changes: each chunk boundary and its neighbours, both ends. */
function interestingOffsets(size: number): number[] {
  const offsets = new Set([0, 1, size - 1, size]);
  for (let boundary = CHUNK; boundary < size + CHUNK; boundary += CHUNK) {
    for (const offset of [boundary - 1, boundary, boundary + 1]) offsets.add(offset);
  }
  return [...offsets].filter((offset) => offset >= 0 && offset <= size).sort((a, b) => a - b);
}

function recordingReader(ciphertext: Uint8Array): { read: CiphertextReader; reads: { offset: number; length: number }[]; maxInFlight: () => number } {
  const reads: { offset: number; length: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    reads,
    maxInFlight: () => maxInFlight,
    read: async (offset, length) => {
      reads.push({ offset, length });
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return ciphertext.slice(offset, offset + length);
    },
  };
}

/** The real primitives, but keeping the stream state with counter and inonce swapped, as a
 * future libsodium might: the body code must notice at load rather than seek wrongly. */
function withRelaidState(p: SodiumPrimitives): SodiumPrimitives {
  const toLibsodium = (state: SecretstreamState) =>
    Uint8Array.from([...state.subarray(0, 32), ...state.subarray(40, 44), ...state.subarray(32, 40), ...state.subarray(44)]);
  const fromLibsodium = (state: SecretstreamState, real: Uint8Array) =>
    state.set([...real.subarray(0, 32), ...real.subarray(36, 44), ...real.subarray(32, 36), ...real.subarray(44)]);
  function through<T>(state: SecretstreamState, run: (real: Uint8Array) => T): T {
    const real = toLibsodium(state);
    const result = run(real);
    fromLibsodium(state, real);
    return result;
  }
  return {
    ...p,
    secretstreamInitPush: (state, key) => through(state, (real) => p.secretstreamInitPush(real, key)),
    secretstreamInitPull: (state, header, key) => through(state, (real) => p.secretstreamInitPull(real, header, key)),
    secretstreamPush: (state, plaintext, tag) => through(state, (real) => p.secretstreamPush(real, plaintext, tag)),
    secretstreamPull: (state, ciphertext) => through(state, (real) => p.secretstreamPull(real, ciphertext)),
  };
}

const backends = await loadBackends();

for (const { name, primitives: p, crypto } of backends) {
  describe(`body seek on ${name}`, () => {
    test('every range between interesting offsets equals the same slice of a sequential decryption', async () => {
      for (const size of [1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17]) {
        const contentKey = crypto.newContentKey();
        const ciphertext = encryptBody(crypto, contentKey, patternBytes(size, size));
        const sequential = decryptBody(crypto, contentKey, ciphertext);
        const offsets = interestingOffsets(size);
        for (const start of offsets) {
          for (const end of offsets) {
            if (end < start) continue;
            const range = await crypto.decryptBodyRange(contentKey, readerOf(ciphertext), ciphertext.length, start, end);
            assert.deepEqual(range, sequential.subarray(start, end), `body ${size}, [${start}, ${end})`);
          }
        }
      }
    });

    test('an empty body and empty ranges', async () => {
      const contentKey = crypto.newContentKey();
      const ciphertext = encryptBody(crypto, contentKey, new Uint8Array(0));
      const range = await crypto.decryptBodyRange(contentKey, readerOf(ciphertext), ciphertext.length, 0, 0);
      assert.equal(range.length, 0);
    });

    test('reads only the header, earlier MACs and the chunks holding the range', async () => {
      const size = 6 * CHUNK + 100;
      const contentKey = crypto.newContentKey();
      const plaintext = patternBytes(size);
      const ciphertext = encryptBody(crypto, contentKey, plaintext);
      const chunkEnd = (i: number) => Math.min(HEADER + (i + 1) * FULL_CHUNK, ciphertext.length);

      const { read, reads } = recordingReader(ciphertext);
      const start = 4 * CHUNK + 10;
      const end = 5 * CHUNK + 20; // chunks 4 and 5
      assert.deepEqual(await crypto.decryptBodyRange(contentKey, read, ciphertext.length, start, end), plaintext.subarray(start, end));
      const sorted = [...reads].sort((a, b) => a.offset - b.offset);
      assert.deepEqual(sorted, [
        { offset: 0, length: HEADER },
        ...[0, 1, 2].map((i) => ({ offset: chunkEnd(i) - 16, length: 16 })),
        { offset: chunkEnd(3) - 16, length: 16 + 2 * FULL_CHUNK },
      ]);

      const first = recordingReader(ciphertext);
      await crypto.decryptBodyRange(contentKey, first.read, ciphertext.length, 5, 10);
      assert.deepEqual(first.reads, [{ offset: 0, length: chunkEnd(0) }]);
    });

    test('the last chunk of a 20 MB body: ≤ 320 small reads, at most 16 at a time', async () => {
      const size = 20 * 1000 * 1000;
      const contentKey = crypto.newContentKey();
      const plaintext = patternBytes(size);
      const ciphertext = encryptBody(crypto, contentKey, plaintext);
      const { read, reads, maxInFlight } = recordingReader(ciphertext);
      const range = await crypto.decryptBodyRange(contentKey, read, ciphertext.length, size - 1000, size);
      assert.deepEqual(range, plaintext.subarray(size - 1000));
      const chunkCount = Math.ceil(size / CHUNK);
      assert.equal(reads.length, chunkCount); // header + MACs of chunks 0..n-3 + one span
      assert.ok(reads.length <= 320);
      assert.ok(reads.reduce((total, r) => total + r.length, 0) < 25 + 16 * chunkCount + FULL_CHUNK);
      assert.equal(maxInFlight(), 16);
    });

    test('the layout self-check passes on the real backend and fails on a re-laid-out state', () => {
      assert.doesNotThrow(() => verifySecretstreamLayout(p));
      const relaid = withRelaidState(p);
      // The re-laid-out backend still encrypts and decrypts correctly in sequence...
      const contentKey = crypto.newContentKey();
      const state = new Uint8Array(52);
      const header = relaid.secretstreamInitPush(state, contentKey);
      const chunk = relaid.secretstreamPush(state, patternBytes(10), 3);
      const pullState = new Uint8Array(52);
      relaid.secretstreamInitPull(pullState, header, contentKey);
      assert.deepEqual(relaid.secretstreamPull(pullState, chunk)?.plaintext, patternBytes(10));
      // ...but seeking on it would be wrong, so it is refused at load.
      assert.throws(() => createSealpostCrypto(relaid), /secretstream state is not laid out as Sealpost expects/);
    });
  });
}
