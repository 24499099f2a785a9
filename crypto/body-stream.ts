// Message bodies: libsodium secretstream (XChaCha20-Poly1305) in fixed 64 KiB chunks, so
// a 20 MB message streams through memory and a partial FETCH decrypts only the chunks it
// needs (body-seek.ts).
//
//   body  = 0x01 || header(24) || chunk_0 || … || chunk_{n-1}
//   chunk = secretstream_push(plaintext_i, tag)        (plaintext_i + 17 bytes)
//   key   = subkey("sealpost/v1/body-key", contentKey)
//
// Every chunk but the last holds exactly 65536 plaintext bytes and TAG_MESSAGE; the last
// holds 1..65536 bytes (0 only for an empty body) and TAG_FINAL. Sizes are therefore a
// function of the plaintext size alone, which lets a reader locate any chunk and detect
// truncation at a chunk boundary.

import type { BodyDecryptor, BodyEncryptor } from './api.ts';
import { CryptoError } from './api.ts';
import type { SecretstreamState, SodiumPrimitives } from './primitives.ts';
import {
  KEY_BYTES,
  SECRETSTREAM_CHUNK_OVERHEAD,
  SECRETSTREAM_HEADER_BYTES,
  SECRETSTREAM_STATE_BYTES,
  SECRETSTREAM_TAG_FINAL,
  SECRETSTREAM_TAG_MESSAGE,
} from './primitives.ts';
import { concatBytes, requireBytes, requireNonNegativeInteger } from './bytes.ts';
import { FORMAT_V1, LABELS, formatByteName } from './format.ts';
import { subkey } from './keys.ts';

/** 64 KiB: the 17-byte chunk overhead is 0.03 %, and a partial FETCH decrypts at most
 * 64 KiB beyond what it returns at each end. */
export const BODY_CHUNK_SIZE = 65536;
export const BODY_HEADER_BYTES = 1 + SECRETSTREAM_HEADER_BYTES; // format byte + stream header
export const FULL_CHUNK_CIPHERTEXT_BYTES = BODY_CHUNK_SIZE + SECRETSTREAM_CHUNK_OVERHEAD;

export function bodyChunkCount(plaintextSize: number): number {
  return Math.max(1, Math.ceil(plaintextSize / BODY_CHUNK_SIZE));
}

export function bodyCiphertextSize(plaintextSize: number): number {
  requireNonNegativeInteger(plaintextSize, 'plaintextSize');
  return BODY_HEADER_BYTES + plaintextSize + SECRETSTREAM_CHUNK_OVERHEAD * bodyChunkCount(plaintextSize);
}

export function bodyPlaintextSize(ciphertextSize: number): number {
  requireNonNegativeInteger(ciphertextSize, 'ciphertextSize');
  const chunksBytes = ciphertextSize - BODY_HEADER_BYTES;
  const fullChunks = Math.floor(chunksBytes / FULL_CHUNK_CIPHERTEXT_BYTES);
  const lastChunkBytes = chunksBytes % FULL_CHUNK_CIPHERTEXT_BYTES;
  // A last chunk must hold a MAC; if there are full chunks before it, also at least one
  // plaintext byte (otherwise the previous chunk would have been the final one).
  const plaintextSize = lastChunkBytes === 0 ? fullChunks * BODY_CHUNK_SIZE : fullChunks * BODY_CHUNK_SIZE + lastChunkBytes - SECRETSTREAM_CHUNK_OVERHEAD;
  if (chunksBytes < SECRETSTREAM_CHUNK_OVERHEAD || plaintextSize < 0 || bodyCiphertextSize(plaintextSize) !== ciphertextSize) {
    throw new CryptoError('MALFORMED', `no body encrypts to ${ciphertextSize} bytes`);
  }
  return plaintextSize;
}

const MIN_BUFFER_BYTES = 4096; // no point in growing through tiny sizes

/** Bytes collected until a chunk is complete. Grows on demand up to one chunk (most mail is
 * far smaller than 64 KiB, and allocating and wiping a full chunk would dominate its cost);
 * every buffer it drops or finishes with is wiped. */
class ChunkBuffer {
  private buffer = new Uint8Array(0);
  private used = 0;

  constructor(
    private readonly p: SodiumPrimitives,
    readonly capacity: number,
  ) {}

  /** Appends as much of `bytes` as fits; returns how many bytes were taken. */
  fill(bytes: Uint8Array): number {
    const take = Math.min(this.capacity - this.used, bytes.length);
    const needed = this.used + take;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.capacity, Math.max(needed, 2 * this.buffer.length, MIN_BUFFER_BYTES)));
      grown.set(this.contents());
      this.p.memzero(this.buffer);
      this.buffer = grown;
    }
    this.buffer.set(bytes.subarray(0, take), this.used);
    this.used = needed;
    return take;
  }

  get length(): number {
    return this.used;
  }

  get isFull(): boolean {
    return this.used === this.capacity;
  }

  contents(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }

  clear(): void {
    this.used = 0;
  }

  wipe(): void {
    this.p.memzero(this.buffer);
    this.used = 0;
  }
}

function bodyKeyState(p: SodiumPrimitives, contentKey: Uint8Array, header: Uint8Array): SecretstreamState {
  const bodyKey = subkey(p, LABELS.bodyKey, contentKey);
  const state = new Uint8Array(SECRETSTREAM_STATE_BYTES);
  try {
    p.secretstreamInitPull(state, header, bodyKey);
  } finally {
    p.memzero(bodyKey);
  }
  return state;
}

/**
 * Encryptor for a given stream header (test vectors fix it; createBodyEncryptor draws it
 * at random). It starts the stream with init_pull, not init_push: both set the same state from
 * the header (init_push merely draws the header first), which secretstream-state.ts checks
 * against the installed libsodium at load.
 */
export function createBodyEncryptorWithHeader(p: SodiumPrimitives, contentKey: Uint8Array, streamHeader: Uint8Array): BodyEncryptor {
  requireBytes(contentKey, 'contentKey', KEY_BYTES);
  requireBytes(streamHeader, 'stream header', SECRETSTREAM_HEADER_BYTES);
  let state: SecretstreamState | undefined = bodyKeyState(p, contentKey, streamHeader);
  let unsentHeader: Uint8Array | undefined = concatBytes([Uint8Array.of(FORMAT_V1), streamHeader]);
  const pending = new ChunkBuffer(p, BODY_CHUNK_SIZE); // sealed once we know whether it is the last

  function usableState(): SecretstreamState {
    if (!state) throw new CryptoError('INVALID_ARGUMENT', 'body encryptor already finished');
    return state;
  }

  function takeHeader(output: Uint8Array[]): void {
    if (unsentHeader) output.push(unsentHeader);
    unsentHeader = undefined;
  }

  function wipe(): void {
    if (state) p.memzero(state);
    pending.wipe();
    state = undefined;
  }

  return {
    push(plaintext: Uint8Array): Uint8Array {
      const current = usableState();
      requireBytes(plaintext, 'plaintext');
      const output: Uint8Array[] = [];
      takeHeader(output);
      let offset = 0;
      while (offset < plaintext.length) {
        if (pending.isFull) {
          // More plaintext follows, so this full chunk is not the last.
          output.push(p.secretstreamPush(current, pending.contents(), SECRETSTREAM_TAG_MESSAGE));
          pending.clear();
        }
        offset += pending.fill(plaintext.subarray(offset));
      }
      return concatBytes(output);
    },

    final(): Uint8Array {
      const current = usableState();
      try {
        const output: Uint8Array[] = [];
        takeHeader(output);
        output.push(p.secretstreamPush(current, pending.contents(), SECRETSTREAM_TAG_FINAL));
        return concatBytes(output);
      } finally {
        wipe();
      }
    },
  };
}

export function createBodyEncryptor(p: SodiumPrimitives, contentKey: Uint8Array): BodyEncryptor {
  return createBodyEncryptorWithHeader(p, contentKey, p.randomBytes(SECRETSTREAM_HEADER_BYTES));
}

export interface BodyChunk {
  plaintext: Uint8Array;
  isFinal: boolean;
}

/** Decrypts one chunk and checks what the chunk alone can show: authenticity, a known tag,
 * and that only the final chunk is short (and empty only when it is the only chunk). Where
 * the chunk sits in the body is the caller's check. */
export function pullBodyChunk(p: SodiumPrimitives, state: SecretstreamState, ciphertext: Uint8Array, chunkIndex: number): BodyChunk {
  const result = p.secretstreamPull(state, ciphertext);
  if (!result) {
    throw new CryptoError('AUTHENTICATION_FAILED', `body chunk ${chunkIndex} did not authenticate (wrong key, or chunks altered, reordered or cut)`);
  }
  const { plaintext, tag } = result;
  if (tag === SECRETSTREAM_TAG_MESSAGE) {
    if (ciphertext.length !== FULL_CHUNK_CIPHERTEXT_BYTES) {
      throw new CryptoError('MALFORMED', `body chunk ${chunkIndex} is not final but shorter than 64 KiB`);
    }
    return { plaintext, isFinal: false };
  }
  if (tag === SECRETSTREAM_TAG_FINAL) {
    if (plaintext.length === 0 && chunkIndex > 0) {
      throw new CryptoError('MALFORMED', 'body ends with an empty chunk after full ones');
    }
    return { plaintext, isFinal: true };
  }
  throw new CryptoError('MALFORMED', `body chunk ${chunkIndex} has unexpected tag ${tag}`);
}

export function checkBodyFormatByte(byte: number | undefined): void {
  if (byte !== FORMAT_V1) {
    throw new CryptoError('UNSUPPORTED_VERSION', `body has format byte ${formatByteName(byte)}; this version reads ${formatByteName(FORMAT_V1)}`);
  }
}

export function createBodyDecryptor(p: SodiumPrimitives, contentKey: Uint8Array): BodyDecryptor {
  requireBytes(contentKey, 'contentKey', KEY_BYTES);
  const key = contentKey.slice(); // needed once the header has arrived; the caller may wipe theirs
  const header = new Uint8Array(BODY_HEADER_BYTES);
  let headerLength = 0;
  let state: SecretstreamState | undefined;
  // Chunks are decrypted once full size: a full chunk is final only if its tag says so, and
  // anything shorter can only be the last chunk, decrypted by final().
  const chunk = new ChunkBuffer(p, FULL_CHUNK_CIPHERTEXT_BYTES);
  let chunkIndex = 0;
  let sawFinal = false;
  let finished = false;

  function wipe(): void {
    finished = true;
    p.memzero(key);
    if (state) p.memzero(state);
    chunk.wipe();
  }

  /** Runs a step; any error leaves the decryptor wiped and unusable. */
  function guarded(step: () => Uint8Array): Uint8Array {
    if (finished) throw new CryptoError('INVALID_ARGUMENT', 'body decryptor already finished');
    try {
      return step();
    } catch (error) {
      wipe();
      throw error;
    }
  }

  function takeChunk(current: SecretstreamState): Uint8Array {
    const { plaintext, isFinal } = pullBodyChunk(p, current, chunk.contents(), chunkIndex);
    sawFinal = isFinal;
    chunkIndex += 1;
    chunk.clear();
    return plaintext;
  }

  function takeHeaderBytes(ciphertext: Uint8Array, offset: number): number {
    const take = Math.min(BODY_HEADER_BYTES - headerLength, ciphertext.length - offset);
    header.set(ciphertext.subarray(offset, offset + take), headerLength);
    headerLength += take;
    checkBodyFormatByte(header[0]);
    if (headerLength === BODY_HEADER_BYTES) {
      state = bodyKeyState(p, key, header.subarray(1));
      p.memzero(key);
    }
    return take;
  }

  return {
    push(ciphertext: Uint8Array): Uint8Array {
      return guarded(() => {
        requireBytes(ciphertext, 'ciphertext');
        const output: Uint8Array[] = [];
        let offset = 0;
        while (offset < ciphertext.length) {
          if (!state) {
            offset += takeHeaderBytes(ciphertext, offset);
            continue;
          }
          if (sawFinal) throw new CryptoError('MALFORMED', 'body has data after its final chunk');
          offset += chunk.fill(ciphertext.subarray(offset));
          if (chunk.isFull) output.push(takeChunk(state));
        }
        return concatBytes(output);
      });
    },

    final(): Uint8Array {
      return guarded(() => {
        if (!state) throw new CryptoError('TRUNCATED', 'body ends inside its header');
        let plaintext: Uint8Array = new Uint8Array(0);
        if (!sawFinal) {
          if (chunk.length === 0) throw new CryptoError('TRUNCATED', 'body ends without its final chunk');
          if (chunk.length < SECRETSTREAM_CHUNK_OVERHEAD) throw new CryptoError('TRUNCATED', 'body ends inside a chunk');
          plaintext = takeChunk(state); // shorter than full size: final, or pullBodyChunk rejects it
        }
        wipe();
        return plaintext;
      });
    },
  };
}
