// SodiumPrimitives on the WASM build of libsodium shipped by libsodium-wrappers-sumo (ESM),
// for the browser (and Node, where the tests check it against sodium-native).
//
// We load the package for its module and `ready` promise, then call the exported C
// functions of its emscripten module (`sodium.libsodium`) directly instead of the JS
// wrappers, because the wrappers copy every input (keys included) into the WASM heap and
// free it without zeroing, and allocate a secretstream state they never free. Here every
// heap buffer lives for one call and is zeroed before it is freed, so no key, password or
// plaintext lingers in WASM memory and nothing leaks.
//
// Calling convention of this wasm32 build (checked at load by function arity): pointers and
// size_t are one i32; unsigned long long is two i32 (low word, high word); an omitted
// output-length pointer is 0 (NULL).

import sodium from 'libsodium-wrappers-sumo';
import type { SecretstreamPullResult, SecretstreamState, SodiumPrimitives } from '../primitives.ts';
import {
  AEAD_TAG_BYTES,
  BOX_SEAL_OVERHEAD,
  KEY_BYTES,
  SECRETSTREAM_CHUNK_OVERHEAD,
  SECRETSTREAM_HEADER_BYTES,
  SECRETSTREAM_STATE_BYTES,
} from '../primitives.ts';

type Pointer = number;

/** The emscripten exports we call, with their arity in this build's ABI. */
export interface EmscriptenSodium {
  HEAPU8: Uint8Array;
  _malloc(size: number): Pointer;
  _free(address: Pointer): void;
  _crypto_generichash(out: Pointer, outLen: number, input: Pointer, inLenLow: number, inLenHigh: number, key: Pointer, keyLen: number): number;
  _crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Pointer,
    cLenOut: Pointer,
    m: Pointer,
    mLenLow: number,
    mLenHigh: number,
    ad: Pointer,
    adLenLow: number,
    adLenHigh: number,
    nsec: Pointer,
    npub: Pointer,
    k: Pointer,
  ): number;
  _crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Pointer,
    mLenOut: Pointer,
    nsec: Pointer,
    c: Pointer,
    cLenLow: number,
    cLenHigh: number,
    ad: Pointer,
    adLenLow: number,
    adLenHigh: number,
    npub: Pointer,
    k: Pointer,
  ): number;
  _crypto_secretstream_xchacha20poly1305_init_push(state: Pointer, header: Pointer, k: Pointer): number;
  _crypto_secretstream_xchacha20poly1305_init_pull(state: Pointer, header: Pointer, k: Pointer): number;
  _crypto_secretstream_xchacha20poly1305_push(
    state: Pointer,
    c: Pointer,
    cLenOut: Pointer,
    m: Pointer,
    mLenLow: number,
    mLenHigh: number,
    ad: Pointer,
    adLenLow: number,
    adLenHigh: number,
    tag: number,
  ): number;
  _crypto_secretstream_xchacha20poly1305_pull(
    state: Pointer,
    m: Pointer,
    mLenOut: Pointer,
    tagOut: Pointer,
    c: Pointer,
    cLenLow: number,
    cLenHigh: number,
    ad: Pointer,
    adLenLow: number,
    adLenHigh: number,
  ): number;
  _crypto_secretstream_xchacha20poly1305_statebytes(): number;
  _crypto_box_seal(c: Pointer, m: Pointer, mLenLow: number, mLenHigh: number, pk: Pointer): number;
  _crypto_box_seal_open(m: Pointer, c: Pointer, cLenLow: number, cLenHigh: number, pk: Pointer, sk: Pointer): number;
  _crypto_scalarmult_base(q: Pointer, n: Pointer): number;
  _crypto_pwhash(
    out: Pointer,
    outLenLow: number,
    outLenHigh: number,
    password: Pointer,
    passwordLenLow: number,
    passwordLenHigh: number,
    salt: Pointer,
    opsLimitLow: number,
    opsLimitHigh: number,
    memLimit: number,
    algorithm: number,
  ): number;
  _crypto_pwhash_alg_argon2id13(): number;
}

const EXPECTED_ARITY: Record<string, number> = {
  _crypto_generichash: 7,
  _crypto_aead_xchacha20poly1305_ietf_encrypt: 11,
  _crypto_aead_xchacha20poly1305_ietf_decrypt: 11,
  _crypto_secretstream_xchacha20poly1305_init_push: 3,
  _crypto_secretstream_xchacha20poly1305_init_pull: 3,
  _crypto_secretstream_xchacha20poly1305_push: 10,
  _crypto_secretstream_xchacha20poly1305_pull: 10,
  _crypto_box_seal: 5,
  _crypto_box_seal_open: 6,
  _crypto_scalarmult_base: 2,
  _crypto_pwhash: 11,
};

const NULL: Pointer = 0;
const HIGH_WORD_ZERO = 0; // every length we pass is far below 2^32
const GET_RANDOM_VALUES_MAX_BYTES = 65536; // Web Crypto's per-call quota

/** Heap buffers for one call, zeroed and freed together. */
class Scratch {
  private readonly allocations: { address: Pointer; length: number }[] = [];

  constructor(private readonly lib: EmscriptenSodium) {}

  alloc(length: number): Pointer {
    const address = this.lib._malloc(Math.max(length, 1)); // malloc(0) may return NULL
    if (address === NULL) throw new Error(`WASM heap exhausted allocating ${length} bytes`);
    this.allocations.push({ address, length });
    return address;
  }

  copyIn(bytes: Uint8Array): Pointer {
    const address = this.alloc(bytes.length);
    this.lib.HEAPU8.set(bytes, address); // read HEAPU8 after alloc: growth replaces the view
    return address;
  }

  copyOut(address: Pointer, length: number): Uint8Array {
    return this.lib.HEAPU8.slice(address, address + length);
  }

  release(): void {
    const heap = this.lib.HEAPU8;
    for (const { address, length } of this.allocations) {
      heap.fill(0, address, address + length);
      this.lib._free(address);
    }
    this.allocations.length = 0;
  }
}

function checkAbi(lib: EmscriptenSodium): void {
  for (const [name, arity] of Object.entries(EXPECTED_ARITY)) {
    const fn = (lib as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function' || fn.length !== arity) {
      throw new Error(
        `libsodium WASM export ${name} is missing or has an unexpected signature; ` +
          'the installed libsodium-wrappers-sumo is not the build this backend was written for',
      );
    }
  }
  if (lib._crypto_secretstream_xchacha20poly1305_statebytes() !== SECRETSTREAM_STATE_BYTES) {
    throw new Error('libsodium WASM secretstream state size changed');
  }
}

function createWasmPrimitives(lib: EmscriptenSodium): SodiumPrimitives {
  function withScratch<T>(run: (scratch: Scratch) => T): T {
    const scratch = new Scratch(lib);
    try {
      return run(scratch);
    } finally {
      scratch.release();
    }
  }

  /** Copies a JS-held secretstream state into the heap for one call and back out after. */
  function withState<T>(state: SecretstreamState, run: (scratch: Scratch, statePointer: Pointer) => T): T {
    return withScratch((scratch) => {
      const statePointer = scratch.copyIn(state);
      const result = run(scratch, statePointer);
      state.set(lib.HEAPU8.subarray(statePointer, statePointer + SECRETSTREAM_STATE_BYTES));
      return result;
    });
  }

  function check(status: number, operation: string): void {
    if (status !== 0) throw new Error(`libsodium ${operation} failed`);
  }

  function randomBytes(length: number): Uint8Array {
    // One Web Crypto call per 64 KiB: libsodium's own randombytes in this build asks the
    // host for one value per byte, which costs ~3 µs per byte.
    const output = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += GET_RANDOM_VALUES_MAX_BYTES) {
      globalThis.crypto.getRandomValues(output.subarray(offset, offset + GET_RANDOM_VALUES_MAX_BYTES));
    }
    return output;
  }

  function equal(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    let difference = 0;
    for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
    return difference === 0;
  }

  function generichash(outputLength: number, message: Uint8Array, key?: Uint8Array): Uint8Array {
    return withScratch((s) => {
      const output = s.alloc(outputLength);
      const input = s.copyIn(message);
      const keyPointer = key ? s.copyIn(key) : NULL;
      check(lib._crypto_generichash(output, outputLength, input, message.length, HIGH_WORD_ZERO, keyPointer, key?.length ?? 0), 'crypto_generichash');
      return s.copyOut(output, outputLength);
    });
  }

  function aeadEncrypt(plaintext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
    return withScratch((s) => {
      const outputLength = plaintext.length + AEAD_TAG_BYTES;
      const output = s.alloc(outputLength);
      const status = lib._crypto_aead_xchacha20poly1305_ietf_encrypt(
        output,
        NULL,
        s.copyIn(plaintext),
        plaintext.length,
        HIGH_WORD_ZERO,
        s.copyIn(ad),
        ad.length,
        HIGH_WORD_ZERO,
        NULL,
        s.copyIn(nonce),
        s.copyIn(key),
      );
      check(status, 'crypto_aead_xchacha20poly1305_ietf_encrypt');
      return s.copyOut(output, outputLength);
    });
  }

  function aeadDecrypt(ciphertext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
    if (ciphertext.length < AEAD_TAG_BYTES) return null;
    return withScratch((s) => {
      const outputLength = ciphertext.length - AEAD_TAG_BYTES;
      const output = s.alloc(outputLength);
      const status = lib._crypto_aead_xchacha20poly1305_ietf_decrypt(
        output,
        NULL,
        NULL,
        s.copyIn(ciphertext),
        ciphertext.length,
        HIGH_WORD_ZERO,
        s.copyIn(ad),
        ad.length,
        HIGH_WORD_ZERO,
        s.copyIn(nonce),
        s.copyIn(key),
      );
      return status === 0 ? s.copyOut(output, outputLength) : null;
    });
  }

  function secretstreamInitPush(state: SecretstreamState, key: Uint8Array): Uint8Array {
    return withState(state, (s, statePointer) => {
      const header = s.alloc(SECRETSTREAM_HEADER_BYTES);
      check(lib._crypto_secretstream_xchacha20poly1305_init_push(statePointer, header, s.copyIn(key)), 'secretstream init_push');
      return s.copyOut(header, SECRETSTREAM_HEADER_BYTES);
    });
  }

  function secretstreamInitPull(state: SecretstreamState, header: Uint8Array, key: Uint8Array): void {
    withState(state, (s, statePointer) => {
      check(lib._crypto_secretstream_xchacha20poly1305_init_pull(statePointer, s.copyIn(header), s.copyIn(key)), 'secretstream init_pull');
    });
  }

  function secretstreamPush(state: SecretstreamState, plaintext: Uint8Array, tag: number): Uint8Array {
    return withState(state, (s, statePointer) => {
      const outputLength = plaintext.length + SECRETSTREAM_CHUNK_OVERHEAD;
      const output = s.alloc(outputLength);
      const status = lib._crypto_secretstream_xchacha20poly1305_push(
        statePointer,
        output,
        NULL,
        s.copyIn(plaintext),
        plaintext.length,
        HIGH_WORD_ZERO,
        NULL,
        0,
        HIGH_WORD_ZERO,
        tag,
      );
      check(status, 'secretstream push');
      return s.copyOut(output, outputLength);
    });
  }

  function secretstreamPull(state: SecretstreamState, ciphertext: Uint8Array): SecretstreamPullResult | null {
    if (ciphertext.length < SECRETSTREAM_CHUNK_OVERHEAD) return null;
    return withState(state, (s, statePointer) => {
      const outputLength = ciphertext.length - SECRETSTREAM_CHUNK_OVERHEAD;
      const output = s.alloc(outputLength);
      const tag = s.alloc(1);
      const status = lib._crypto_secretstream_xchacha20poly1305_pull(
        statePointer,
        output,
        NULL,
        tag,
        s.copyIn(ciphertext),
        ciphertext.length,
        HIGH_WORD_ZERO,
        NULL,
        0,
        HIGH_WORD_ZERO,
      );
      if (status !== 0) return null;
      return { plaintext: s.copyOut(output, outputLength), tag: lib.HEAPU8[tag]! };
    });
  }

  function boxSeal(message: Uint8Array, publicKey: Uint8Array): Uint8Array {
    return withScratch((s) => {
      const outputLength = message.length + BOX_SEAL_OVERHEAD;
      const output = s.alloc(outputLength);
      check(lib._crypto_box_seal(output, s.copyIn(message), message.length, HIGH_WORD_ZERO, s.copyIn(publicKey)), 'crypto_box_seal');
      return s.copyOut(output, outputLength);
    });
  }

  function boxSealOpen(ciphertext: Uint8Array, publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array | null {
    if (ciphertext.length < BOX_SEAL_OVERHEAD) return null;
    return withScratch((s) => {
      const outputLength = ciphertext.length - BOX_SEAL_OVERHEAD;
      const output = s.alloc(outputLength);
      const status = lib._crypto_box_seal_open(output, s.copyIn(ciphertext), ciphertext.length, HIGH_WORD_ZERO, s.copyIn(publicKey), s.copyIn(privateKey));
      return status === 0 ? s.copyOut(output, outputLength) : null;
    });
  }

  function scalarmultBase(privateKey: Uint8Array): Uint8Array {
    return withScratch((s) => {
      const output = s.alloc(KEY_BYTES);
      check(lib._crypto_scalarmult_base(output, s.copyIn(privateKey)), 'crypto_scalarmult_base');
      return s.copyOut(output, KEY_BYTES);
    });
  }

  async function pwhashArgon2id(outputLength: number, password: Uint8Array, salt: Uint8Array, opsLimit: number, memLimitBytes: number): Promise<Uint8Array> {
    return withScratch((s) => {
      const output = s.alloc(outputLength);
      const status = lib._crypto_pwhash(
        output,
        outputLength,
        HIGH_WORD_ZERO,
        s.copyIn(password),
        password.length,
        HIGH_WORD_ZERO,
        s.copyIn(salt),
        opsLimit,
        HIGH_WORD_ZERO,
        memLimitBytes,
        lib._crypto_pwhash_alg_argon2id13(),
      );
      check(status, 'crypto_pwhash (out of memory?)');
      return s.copyOut(output, outputLength);
    });
  }

  return {
    backendName: 'libsodium-wrappers-sumo',
    randomBytes,
    memzero: (buffer) => buffer.fill(0),
    equal,
    generichash,
    aeadEncrypt,
    aeadDecrypt,
    secretstreamInitPush,
    secretstreamInitPull,
    secretstreamPush,
    secretstreamPull,
    boxSeal,
    boxSealOpen,
    scalarmultBase,
    pwhashArgon2id,
  };
}

/** The emscripten module, for tests that check this backend leaves no heap allocation. */
export async function loadWasmModule(): Promise<EmscriptenSodium> {
  await sodium.ready;
  const lib = (sodium as unknown as { libsodium?: EmscriptenSodium }).libsodium;
  if (!lib || typeof lib._malloc !== 'function' || !(lib.HEAPU8 instanceof Uint8Array)) {
    throw new Error('libsodium-wrappers-sumo does not expose its emscripten module as `libsodium`');
  }
  checkAbi(lib);
  return lib;
}

export async function loadWasmPrimitives(): Promise<SodiumPrimitives> {
  return createWasmPrimitives(await loadWasmModule());
}
