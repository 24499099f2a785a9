// The narrow slice of libsodium that Sealpost uses. Two backends implement it with
// identical bytes: backends/native.ts (sodium-native, Node) and backends/wasm.ts (the
// libsodium WASM build, browser). Everything above this interface is shared code.
//
// Backends do no policy: callers pass correctly sized inputs (the shared code checks them
// and throws CryptoError first). Authentication failures are returned as null, never
// thrown, so the shared code decides which CryptoError they become.

/** libsodium crypto_secretstream_xchacha20poly1305_state, kept as plain bytes owned by the
 * caller (not inside the WASM heap), so that a state can be read, set for seeking, wiped,
 * and dropped without a matching free. Layout and seek: see body-seek.ts. */
export type SecretstreamState = Uint8Array;

export interface SecretstreamPullResult {
  plaintext: Uint8Array;
  tag: number;
}

export interface SodiumPrimitives {
  readonly backendName: 'sodium-native' | 'libsodium-wrappers-sumo';

  randomBytes(length: number): Uint8Array;
  memzero(buffer: Uint8Array): void;
  /** Constant time for equal lengths; different lengths are simply unequal. */
  equal(a: Uint8Array, b: Uint8Array): boolean;

  /** BLAKE2b (crypto_generichash); key may be omitted for the unkeyed hash. */
  generichash(outputLength: number, message: Uint8Array, key?: Uint8Array): Uint8Array;

  aeadEncrypt(plaintext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** null when the ciphertext does not authenticate under this key, nonce and ad. */
  aeadDecrypt(ciphertext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null;

  /** Fills state and returns the header libsodium chose at random. */
  secretstreamInitPush(state: SecretstreamState, key: Uint8Array): Uint8Array;
  secretstreamInitPull(state: SecretstreamState, header: Uint8Array, key: Uint8Array): void;
  secretstreamPush(state: SecretstreamState, plaintext: Uint8Array, tag: number): Uint8Array;
  /** null when the chunk does not authenticate (the state is then left unchanged). */
  secretstreamPull(state: SecretstreamState, ciphertext: Uint8Array): SecretstreamPullResult | null;

  boxSeal(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
  boxSealOpen(ciphertext: Uint8Array, publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array | null;
  scalarmultBase(privateKey: Uint8Array): Uint8Array;

  /** Argon2id v1.3 (crypto_pwhash, ALG_ARGON2ID13). Async so that the native backend
   * derives on the libuv thread pool; the WASM backend runs on the calling thread, which in
   * the browser is the crypto worker. */
  pwhashArgon2id(outputLength: number, password: Uint8Array, salt: Uint8Array, opsLimit: number, memLimitBytes: number): Promise<Uint8Array>;
}

// Sizes fixed by the libsodium constructions we use.
export const KEY_BYTES = 32; // every symmetric key, kek, root and X25519 key
export const AEAD_NONCE_BYTES = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
export const AEAD_TAG_BYTES = 16; // crypto_aead_xchacha20poly1305_ietf_ABYTES
export const SECRETSTREAM_STATE_BYTES = 52; // sizeof(crypto_secretstream_xchacha20poly1305_state)
export const SECRETSTREAM_HEADER_BYTES = 24; // crypto_secretstream_xchacha20poly1305_HEADERBYTES
export const SECRETSTREAM_CHUNK_OVERHEAD = 17; // ABYTES: 1 encrypted tag byte + 16-byte MAC
export const SECRETSTREAM_MAC_BYTES = 16; // the MAC that ends every chunk
export const SECRETSTREAM_TAG_MESSAGE = 0;
export const SECRETSTREAM_TAG_FINAL = 3; // TAG_PUSH | TAG_REKEY
export const BOX_SEAL_OVERHEAD = 48; // crypto_box_SEALBYTES: ephemeral public key + MAC
export const PWHASH_SALT_BYTES = 16; // crypto_pwhash_SALTBYTES
