// What Sealpost knows about the inside of libsodium's secretstream state, and the load-time
// check that the installed libsodium still matches it.
//
// crypto_secretstream_xchacha20poly1305_state is k[32] || nonce[12] || pad[8], where nonce
// is counter[4] (little-endian) || inonce[8]. init_pull derives k from the key and header,
// sets counter = 1 and inonce = header[16..24]. After each chunk, inonce ^= the first 8
// bytes of that chunk's MAC (its last 16 bytes) and counter += 1; k changes only on
// TAG_REKEY (never used before the final chunk) or when the counter wraps (2^32 chunks,
// i.e. 256 TiB). So the state before chunk i follows from the header and the MACs of
// chunks 0..i-1 alone, which lets a reader jump to chunk i without decrypting the others.

import type { SecretstreamState, SodiumPrimitives } from './primitives.ts';
import { KEY_BYTES, SECRETSTREAM_MAC_BYTES, SECRETSTREAM_STATE_BYTES, SECRETSTREAM_TAG_FINAL, SECRETSTREAM_TAG_MESSAGE } from './primitives.ts';

const COUNTER_OFFSET = 32;
const INONCE_OFFSET = 36;
const INONCE_BYTES = 8;
const COUNTER_LIMIT = 2 ** 32; // past this libsodium rekeys, which a seek does not model

/** The MAC that ends a chunk ciphertext. */
function chunkMac(chunkCiphertext: Uint8Array): Uint8Array {
  return chunkCiphertext.subarray(chunkCiphertext.length - SECRETSTREAM_MAC_BYTES);
}

/** Moves a state that is before chunk j to before chunk j + macs.length, given the MACs of
 * the chunks skipped, in order. */
export function skipChunks(state: SecretstreamState, macs: readonly Uint8Array[]): void {
  const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
  const counter = view.getUint32(COUNTER_OFFSET, true) + macs.length;
  if (counter >= COUNTER_LIMIT) throw new Error('secretstream seek beyond 2^32 chunks');
  view.setUint32(COUNTER_OFFSET, counter, true);
  for (const mac of macs) {
    for (let i = 0; i < INONCE_BYTES; i++) state[INONCE_OFFSET + i]! ^= mac[i]!;
  }
}

/**
 * Checks, with the installed libsodium, the two facts the body code relies on: a state set
 * up by init_pull from a header encrypts exactly as the init_push that made that header
 * (the encryptor draws its own header), and skipChunks lands on the state libsodium
 * reaches by decrypting. Throws rather than let bodies be written or read wrongly.
 */
export function verifySecretstreamLayout(p: SodiumPrimitives): void {
  const key = p.randomBytes(KEY_BYTES);
  const chunks = [Uint8Array.of(1), Uint8Array.of(2, 2), Uint8Array.of(3, 3, 3)];
  const tags = [SECRETSTREAM_TAG_MESSAGE, SECRETSTREAM_TAG_MESSAGE, SECRETSTREAM_TAG_FINAL] as const;

  const pushState = new Uint8Array(SECRETSTREAM_STATE_BYTES);
  const header = p.secretstreamInitPush(pushState, key);
  const ciphertexts = chunks.map((chunk, i) => p.secretstreamPush(pushState, chunk, tags[i]!));

  const replayState = new Uint8Array(SECRETSTREAM_STATE_BYTES);
  p.secretstreamInitPull(replayState, header, key);
  const replayed = chunks.map((chunk, i) => p.secretstreamPush(replayState, chunk, tags[i]!));
  const replayMatches = replayed.every((ciphertext, i) => p.equal(ciphertext, ciphertexts[i]!));

  const seekState = new Uint8Array(SECRETSTREAM_STATE_BYTES);
  p.secretstreamInitPull(seekState, header, key);
  skipChunks(seekState, [chunkMac(ciphertexts[0]!), chunkMac(ciphertexts[1]!)]);
  const sought = p.secretstreamPull(seekState, ciphertexts[2]!);
  const seekMatches = sought !== null && sought.tag === SECRETSTREAM_TAG_FINAL && p.equal(sought.plaintext, chunks[2]!);

  for (const buffer of [key, pushState, replayState, seekState]) p.memzero(buffer);
  if (!replayMatches || !seekMatches) {
    throw new Error(
      `${p.backendName}: libsodium's secretstream state is not laid out as Sealpost expects ` +
        '(k[32] || counter[4] LE || inonce[8] || pad[8]); refusing to encrypt or seek message bodies',
    );
  }
}
