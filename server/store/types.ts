// The storage interface every backend implements: an ordered key-value store with atomic
// batches and range scans, and a blob store for message bodies that streams. The mail core
// sees only these two interfaces; LevelDB + files is the embedded default, PostgreSQL + an
// object store can follow. Nothing here assumes a single process: there are no callbacks
// into the core and no in-memory state the core may rely on between calls.

/** Keys are UTF-8 strings compared bytewise; callers encode numbers fixed-width so that
 * lexicographic order is numeric order (see keys.ts in the core). Values are opaque bytes.
 * A key must be non-empty and well-formed UTF-16 (no unpaired surrogate, which UTF-8 cannot
 * carry); otherwise the call fails with StoreError('INVALID_ARGUMENT'). Bytewise UTF-8 order
 * is code point order: '\uffff' sorts before every character beyond U+FFFF. */
export type KvKey = string;
export type KvValue = Uint8Array;

export type KvOperation =
  | { type: 'put'; key: KvKey; value: KvValue }
  | { type: 'del'; key: KvKey };

export interface KvRange {
  /** Inclusive lower bound. */
  gte?: KvKey;
  /** Exclusive upper bound. */
  lt?: KvKey;
  /** Descending order when true. */
  reverse?: boolean;
  /** At most this many entries. */
  limit?: number;
}

export interface KvStore {
  /** Every value returned is the caller's own copy; values passed in are copied too. */
  get(key: KvKey): Promise<KvValue | undefined>;
  getMany(keys: readonly KvKey[]): Promise<(KvValue | undefined)[]>;
  /**
   * Applies every operation or none. When it resolves, the batch is durable: it survives a
   * crash of the process or the machine (fsync). Concurrent callers may be grouped into one
   * durable write (group commit); each still sees all-or-nothing for its own batch.
   */
  batch(operations: readonly KvOperation[]): Promise<void>;
  /** Entries in key order within the range. A scan sees a consistent snapshot, taken when
   * iteration begins (the first next()); writes after that are not seen. */
  iterate(range: KvRange): AsyncIterable<[KvKey, KvValue]>;
  /** Deletes every key in [gte, lt) atomically and durably; used to drop whole days of logs.
   * Keys written by batches that have not resolved when it is called may survive it. */
  clearRange(range: { gte: KvKey; lt: KvKey }): Promise<void>;
  close(): Promise<void>;
}

/** An opaque, URL-safe identifier chosen by the blob store. */
export type BlobId = string;

export interface BlobWriter {
  /** Appends bytes; respects backpressure by resolving when the data is accepted. */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the blob durable (data and name fsynced) and returns its id. Only then may a
   * caller acknowledge the message that references it. */
  commit(): Promise<BlobId>;
  /** Discards everything written; never leaves a partial blob behind. A no-op once commit()
   * was called (a failed commit cleans up after itself). */
  abort(): Promise<void>;
  readonly bytesWritten: number;
}

/** Every operation of a closed store, or of a writer after commit/abort, fails with
 * StoreError('CLOSED'); a malformed id with 'INVALID_ARGUMENT'; an unknown id with 'NOT_FOUND'. */
export interface BlobStore {
  /** Throws StoreError('CLOSED') synchronously when the store is closed. */
  create(): BlobWriter;
  /** Streams [start, end) of the blob (end exclusive; defaults to the whole blob). */
  read(id: BlobId, range?: { start?: number; end?: number }): AsyncIterable<Uint8Array>;
  /** Reads exactly [offset, offset + length) or fewer bytes at the end of the blob. */
  readRange(id: BlobId, offset: number, length: number): Promise<Uint8Array>;
  size(id: BlobId): Promise<number>;
  /** Removes the blob durably. Deleting a missing blob is not an error. */
  delete(id: BlobId): Promise<void>;
  /** Every committed blob, for backups and garbage collection. */
  list(): AsyncIterable<BlobId>;
  close(): Promise<void>;
}

export interface Store {
  kv: KvStore;
  blobs: BlobStore;
  close(): Promise<void>;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CLOSED' | 'IO' | 'INVALID_ARGUMENT',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
