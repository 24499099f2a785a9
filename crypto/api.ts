// The public API of Sealpost's crypto core. Isomorphic: Uint8Array in, Uint8Array out, no
// node:* and no DOM. Two backends implement the primitives (sodium-native in Node, the ESM
// build of libsodium-wrappers-sumo in the browser) and produce identical bytes; everything
// above the primitives is shared code. Nothing outside crypto/ touches libsodium.
//
// Formats are specified in crypto/FORMAT.md and pinned by test vectors in test/vectors/.

/** Argon2id cost parameters, stored per account so they can be raised later. */
export interface PasswordKdfParams {
  algorithm: 'argon2id13';
  /** Passes over memory (libsodium opslimit). */
  opsLimit: number;
  /** Bytes of memory (libsodium memlimit). */
  memLimitBytes: number;
}

/** What a password or an app secret yields: a key to prove knowledge to the server, a key
 * that unwraps the masterKey slot, and what the server stores to check the first. */
export interface DerivedSecret {
  authKey: Uint8Array;
  kek: Uint8Array;
  /** H(authKey): stored by the server; for app secrets also the O(1) lookup index. */
  verifier: Uint8Array;
}

export type KeySlotPurpose = 'password' | 'app-password' | 'recovery';
export type AppSecretKind = 'app-password' | 'recovery';

/** Keys a session may hold to open message content keys. */
export interface MailboxKeys {
  masterKey: Uint8Array;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** The web client's search index on a device: the key of its encrypted records and the id
 * that names its database; both derived from masterKey. */
export interface SearchIndexKeys {
  recordKey: Uint8Array;
  storeId: Uint8Array;
}

export interface Identity {
  publicKey: Uint8Array;
  /** privateKey encrypted under a key derived from masterKey. */
  encryptedPrivateKey: Uint8Array;
}

/** Incremental body encryption: feed plaintext as it arrives, get ciphertext to store. */
export interface BodyEncryptor {
  /** Returns ciphertext ready to append (possibly empty while a chunk fills). The first
   * call's output begins with the body header. */
  push(plaintext: Uint8Array): Uint8Array;
  /** Seals the last chunk; returns the remaining ciphertext. Wipes internal state. */
  final(): Uint8Array;
}

/** Incremental body decryption of a whole body read in order. */
export interface BodyDecryptor {
  push(ciphertext: Uint8Array): Uint8Array;
  /** Throws CryptoError('TRUNCATED') if the final chunk was not seen. */
  final(): Uint8Array;
}

/** Reads ciphertext bytes [offset, offset + length) of a stored body and returns exactly
 * that many bytes (fewer means the stored body is truncated). decryptBodyRange issues up to
 * 16 reads concurrently. */
export type CiphertextReader = (offset: number, length: number) => Promise<Uint8Array>;

export interface SealpostCrypto {
  readonly backendName: 'sodium-native' | 'libsodium-wrappers-sumo';

  randomBytes(length: number): Uint8Array;
  /** Overwrites a buffer with zeros; call on every key when done with it. */
  wipe(...buffers: (Uint8Array | undefined)[]): void;
  /** Constant-time equality. */
  equal(a: Uint8Array, b: Uint8Array): boolean;

  // Account password (Argon2id; async so that the server derives off the event loop).
  newPasswordSalt(): Uint8Array;
  /** The password is NFC-normalised first. The WASM backend blocks its thread for the whole
   * derivation: in the browser, call it from a worker. */
  deriveFromPassword(password: string, salt: Uint8Array, params: PasswordKdfParams): Promise<DerivedSecret>;
  /** Verifier of an authKey sent by a client; compare with equal(). */
  verifierOf(authKey: Uint8Array): Uint8Array;
  /** Deterministic fake salt for unknown addresses at pre-login: HMAC-like keyed hash of the
   * normalised address under a server secret, so the answer never reveals existence. */
  fakeSalt(serverSecret: Uint8Array, address: string): Uint8Array;
  /** 32-byte keyed hash of `message` under a server secret, separated by `purpose` (lower-case
   * words): lets the server recognise a value it handed out or was told, storing nothing. */
  serverTag(serverSecret: Uint8Array, purpose: string, message: string): Uint8Array;

  // App passwords and recovery codes: ≥128 bits, typeable, fast KDF (no Argon2).
  newAppPassword(): string;
  newRecoveryCode(): string;
  /** Normalises (case, spaces, dashes) and derives; throws CryptoError('MALFORMED') when the
   * text cannot be an app secret of that kind, without revealing anything else. */
  deriveFromAppSecret(secret: string, kind: AppSecretKind): DerivedSecret;

  // Master key and key slots.
  newMasterKey(): Uint8Array;
  wrapKey(key: Uint8Array, kek: Uint8Array, purpose: KeySlotPurpose): Uint8Array;
  unwrapKey(wrapped: Uint8Array, kek: Uint8Array, purpose: KeySlotPurpose): Uint8Array;

  // Identity keypair (X25519).
  newIdentity(masterKey: Uint8Array): Identity;
  /** Fails with AUTHENTICATION_FAILED unless the private key decrypts and matches the public
   * key. The returned keys are fresh copies the session owns: wipe all three at the end. */
  openIdentity(identity: Identity, masterKey: Uint8Array): MailboxKeys;

  // Messages.
  newContentKey(): Uint8Array;
  /** For mail arriving while the user is away: only the public key is needed. */
  sealContentKey(contentKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** Symmetric wrap under a masterKey-derived key (lazy rewrap; cheap to open). */
  wrapContentKey(contentKey: Uint8Array, masterKey: Uint8Array): Uint8Array;
  /** Opens either form. */
  openContentKey(wrapped: Uint8Array, keys: MailboxKeys): Uint8Array;
  /** True for the sealed (public-key) form, which a key-holding session should rewrap. */
  isSealedContentKey(wrapped: Uint8Array): boolean;

  encryptMetadata(contentKey: Uint8Array, plaintext: Uint8Array): Uint8Array;
  decryptMetadata(contentKey: Uint8Array, ciphertext: Uint8Array): Uint8Array;

  createBodyEncryptor(contentKey: Uint8Array): BodyEncryptor;
  createBodyDecryptor(contentKey: Uint8Array): BodyDecryptor;
  /** Size of the stored ciphertext for a plaintext of this size. */
  bodyCiphertextSize(plaintextSize: number): number;
  /** Size of the plaintext from the size of the stored ciphertext; throws if impossible. */
  bodyPlaintextSize(ciphertextSize: number): number;
  /** Decrypts plaintext bytes [start, end) reading only the chunks that hold them (plus the
   * MACs of earlier chunks, which the stream state depends on). Requires
   * 0 <= start <= end <= bodyPlaintextSize(ciphertextSize), else INVALID_ARGUMENT. */
  decryptBodyRange(contentKey: Uint8Array, read: CiphertextReader, ciphertextSize: number, start: number, end: number): Promise<Uint8Array>;

  /** The keys of the search index the web client keeps encrypted on a device. */
  deriveSearchIndexKeys(masterKey: Uint8Array): SearchIndexKeys;

  // Records under a symmetric key (the server's: spool, operator-readable settings; the
  // browser's: its search index).
  encryptRecord(key: Uint8Array, label: string, plaintext: Uint8Array): Uint8Array;
  decryptRecord(key: Uint8Array, label: string, ciphertext: Uint8Array): Uint8Array;
}

export type CryptoErrorCode = 'UNSUPPORTED_VERSION' | 'AUTHENTICATION_FAILED' | 'TRUNCATED' | 'MALFORMED' | 'INVALID_ARGUMENT';

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}
