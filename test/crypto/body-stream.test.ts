// Body streaming: sizes, chunk structure, and that any way of cutting the input into
// pieces (encrypting or decrypting) gives the same bytes.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BODY_CHUNK_SIZE, bodyCiphertextSize, bodyPlaintextSize, createBodyEncryptorWithHeader } from '../../crypto/body-stream.ts';
import { CryptoError } from '../../crypto/api.ts';
import { LABELS } from '../../crypto/format.ts';
import { subkey } from '../../crypto/keys.ts';
import { SECRETSTREAM_STATE_BYTES, SECRETSTREAM_TAG_FINAL, SECRETSTREAM_TAG_MESSAGE } from '../../crypto/primitives.ts';
import { concat, decryptBody, encryptBody, loadBackends, patternBytes, seededRandom } from './helpers.ts';

const CHUNK = BODY_CHUNK_SIZE;
const FULL_CHUNK = CHUNK + 17;
const MAX_PIECE = 200 * 1000;

/** Cuts bytes into pieces of 1..MAX_PIECE bytes (biased towards small ones, and with some
 * empty pieces), reproducibly from the seed. */
function randomPieces(bytes: Uint8Array, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  const pieces: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const scale = [1, 100, 70000, MAX_PIECE][random(4)]!;
    const length = random(10) === 0 ? 0 : 1 + random(scale);
    pieces.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return pieces;
}

describe('body sizes', () => {
  test('ciphertext size formula', () => {
    assert.equal(bodyCiphertextSize(0), 25 + 17);
    assert.equal(bodyCiphertextSize(1), 25 + 1 + 17);
    assert.equal(bodyCiphertextSize(CHUNK), 25 + CHUNK + 17);
    assert.equal(bodyCiphertextSize(CHUNK + 1), 25 + CHUNK + 1 + 2 * 17);
    assert.equal(bodyCiphertextSize(20 * 1000 * 1000), 25 + 20 * 1000 * 1000 + 17 * 306);
  });

  test('bodyPlaintextSize inverts bodyCiphertextSize and rejects every other size', () => {
    const reachable = new Map<number, number>();
    for (let plaintextSize = 0; plaintextSize <= 3 * CHUNK + 100; plaintextSize++) {
      reachable.set(bodyCiphertextSize(plaintextSize), plaintextSize);
    }
    for (let ciphertextSize = 0; ciphertextSize <= bodyCiphertextSize(3 * CHUNK + 100); ciphertextSize++) {
      const expected = reachable.get(ciphertextSize);
      if (expected !== undefined) {
        assert.equal(bodyPlaintextSize(ciphertextSize), expected);
      } else {
        assert.throws(
          () => bodyPlaintextSize(ciphertextSize),
          (e: unknown) => e instanceof CryptoError && e.code === 'MALFORMED',
        );
      }
    }
  });
});

const backends = await loadBackends();

for (const { name, primitives: p, crypto } of backends) {
  describe(`body stream on ${name}`, () => {
    test('chunk structure: full message chunks, then one final chunk', () => {
      for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 3]) {
        const contentKey = crypto.newContentKey();
        const ciphertext = encryptBody(crypto, contentKey, patternBytes(size));
        assert.equal(ciphertext[0], 0x01);
        const state = new Uint8Array(SECRETSTREAM_STATE_BYTES);
        p.secretstreamInitPull(state, ciphertext.subarray(1, 25), subkey(p, LABELS.bodyKey, contentKey));
        const tags: number[] = [];
        const lengths: number[] = [];
        for (let offset = 25; offset < ciphertext.length; offset += FULL_CHUNK) {
          const result = p.secretstreamPull(state, ciphertext.subarray(offset, offset + FULL_CHUNK));
          assert.ok(result, `chunk at ${offset} of body ${size}`);
          tags.push(result.tag);
          lengths.push(result.plaintext.length);
        }
        const chunkCount = Math.max(1, Math.ceil(size / CHUNK));
        assert.deepEqual(tags, [...Array(chunkCount - 1).fill(SECRETSTREAM_TAG_MESSAGE), SECRETSTREAM_TAG_FINAL], `tags, ${size}`);
        assert.deepEqual(lengths.slice(0, -1), Array(chunkCount - 1).fill(CHUNK));
        assert.equal(lengths.at(-1), size - (chunkCount - 1) * CHUNK);
      }
    });

    test('the first output begins with the header, even from final() alone', () => {
      const contentKey = crypto.newContentKey();
      const encryptor = crypto.createBodyEncryptor(contentKey);
      const first = encryptor.push(new Uint8Array(0));
      assert.equal(first.length, 25);
      assert.equal(first[0], 0x01);
      assert.equal(encryptor.push(patternBytes(CHUNK)).length, 0); // buffered: might be the last chunk
      assert.equal(encryptor.push(patternBytes(1)).length, FULL_CHUNK);
      assert.equal(encryptor.final().length, 1 + 17);

      const empty = crypto.createBodyEncryptor(contentKey).final();
      assert.equal(empty.length, 42);
      assert.deepEqual(decryptBody(crypto, contentKey, empty), new Uint8Array(0));
    });

    test('encrypting in random pieces (1 byte to 200 KB) gives the same bytes as in one piece', () => {
      for (const [seed, size] of [
        [1, 0],
        [2, 1],
        [3, CHUNK],
        [4, CHUNK + 1],
        [5, 70000],
        [6, 450000],
        [7, 1000 * 1000],
      ] as const) {
        const contentKey = crypto.newContentKey();
        const streamHeader = crypto.randomBytes(24);
        const plaintext = patternBytes(size, seed);
        const oneShot = createBodyEncryptorWithHeader(p, contentKey, streamHeader);
        const expected = concat([oneShot.push(plaintext), oneShot.final()]);
        const pieced = createBodyEncryptorWithHeader(p, contentKey, streamHeader);
        const pieces = randomPieces(plaintext, seed);
        const actual = concat([...pieces.map((piece) => pieced.push(piece)), pieced.final()]);
        assert.deepEqual(actual, expected, `size ${size} in ${pieces.length} pieces`);
        assert.deepEqual(decryptBody(crypto, contentKey, actual), plaintext);
      }
    });

    test('one-byte pieces across a chunk boundary', () => {
      const contentKey = crypto.newContentKey();
      const streamHeader = crypto.randomBytes(24);
      const plaintext = patternBytes(CHUNK + 300);
      const oneShot = createBodyEncryptorWithHeader(p, contentKey, streamHeader);
      const expected = concat([oneShot.push(plaintext), oneShot.final()]);
      const encryptor = createBodyEncryptorWithHeader(p, contentKey, streamHeader);
      const outputs: Uint8Array[] = [];
      for (let i = 0; i < plaintext.length; i++) outputs.push(encryptor.push(plaintext.subarray(i, i + 1)));
      outputs.push(encryptor.final());
      assert.deepEqual(concat(outputs), expected);

      const decryptor = crypto.createBodyDecryptor(contentKey);
      const plaintexts: Uint8Array[] = [];
      for (let i = 0; i < expected.length; i++) plaintexts.push(decryptor.push(expected.subarray(i, i + 1)));
      plaintexts.push(decryptor.final());
      assert.deepEqual(concat(plaintexts), plaintext);
    });

    test('decrypting in random pieces gives the plaintext, with each chunk released once complete', () => {
      for (const [seed, size] of [
        [11, 0],
        [12, 5],
        [13, CHUNK],
        [14, 3 * CHUNK + 7],
        [15, 600000],
      ] as const) {
        const contentKey = crypto.newContentKey();
        const plaintext = patternBytes(size, seed);
        const ciphertext = encryptBody(crypto, contentKey, plaintext);
        const decryptor = crypto.createBodyDecryptor(contentKey);
        const outputs: Uint8Array[] = [];
        let consumed = 0;
        for (const piece of randomPieces(ciphertext, seed)) {
          outputs.push(decryptor.push(piece));
          consumed += piece.length;
          // Every complete full-size chunk read so far has been released.
          const released = outputs.reduce((total, output) => total + output.length, 0);
          const completeChunks = Math.max(0, Math.floor((consumed - 25) / FULL_CHUNK));
          assert.equal(released, Math.min(completeChunks * CHUNK, size));
        }
        outputs.push(decryptor.final());
        assert.deepEqual(concat(outputs), plaintext, `size ${size}`);
      }
    });

    test('the caller may wipe the content key right after creating an encryptor or decryptor', () => {
      const contentKey = crypto.newContentKey();
      const keyCopy = contentKey.slice();
      const encryptor = crypto.createBodyEncryptor(contentKey);
      const decryptor = crypto.createBodyDecryptor(contentKey);
      crypto.wipe(contentKey);
      const plaintext = patternBytes(CHUNK + 10);
      const ciphertext = concat([encryptor.push(plaintext), encryptor.final()]);
      assert.deepEqual(concat([decryptor.push(ciphertext), decryptor.final()]), plaintext);
      assert.deepEqual(decryptBody(crypto, keyCopy, ciphertext), plaintext);
    });
  });
}
