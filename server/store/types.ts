// The storage interface every backend implements: an ordered key-value store with atomic
// batches and range scans, and a blob store for message bodies that streams. The mail core
// sees only these two interfaces; LevelDB + a blob log is the embedded default, PostgreSQL + an
// object store can follow. Nothing here assumes a single process: there are no callbacks
// into the core and no in-memory state the core may rely on between calls.

/** Keys are UTF-8 strings compared bytewise; callers encode numbers fixed-width so that
 * lexicographic order is numeric order (see keys.ts in the core). Values are opaque bytes.
 * A key must be non-empty and well-formed UTF-16 (no unpaired surrogate, which UTF-8 cannot
 * carry); otherwise the call fails with StoreError('INVALID_ARGUMENT'). Bytewise UTF-8 order
 * is code point order: '\uffff' sorts before every character beyond U+FFFF. */
export type KvKey = string;
export type KvValue = Uint8Array;

/** The greatest code point (UTF-8 F4 8F BF BF), so [prefix, prefix + KEY_END) spans
 * everything under prefix in bytewise UTF-8 order; '\uffff' would miss keys continuing with a
 * character beyond U+FFFF. */
export const KEY_END = '\u{10FFFF}';

/** Every key that starts with prefix. */
export function prefixRange(prefix: string): { gte: KvKey; lt: KvKey } {
  return { gte: prefix, lt: prefix + KEY_END };
}

export type KvOperation = { type: 'put'; key: KvKey; value: KvValue } | { type: 'del'; key: KvKey };

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
  /**
   * Rewrites the store's files that hold keys in [gte, lt) so that values deleted or
   * overwritten before the call are physically gone from them: LevelDB keeps old versions
   * in its log and table files until a compaction merges them with what replaced them.
   * Pending writes are flushed first. A value written and deleted within one unflushed
   * write window can survive a single call, so code that must erase (docs/design.md promises 6
   * and 8) calls compact() once before deleting and once after (core/erasure.ts). Key
   * names may outlive their values in the backend's own bookkeeping (LevelDB's MANIFEST
   * and LOG), so keys must never carry what has to be erased.
   */
  compact(range: { gte: KvKey; lt: KvKey }): Promise<void>;
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
  /**
   * From this call until release(), blobs deleted from the store stay readable through the
   * returned hold (they leave the live set at once and are removed for good on release).
   * A backup takes a hold before its key-value snapshot, so every blob the snapshot
   * references can still be read however long copying takes.
   */
  hold(): BlobHold;
  /**
   * Reclaims the space of deleted blobs (for the retention job); safe while the store is in
   * use. Where a delete frees its space at once there is nothing to do. A deleted blob's
   * bytes may stay on disk until then, unreadable: its content key went with its index
   * record (crypto-shredding).
   */
  compact(): Promise<BlobCompaction>;
  close(): Promise<void>;
}

export interface BlobCompaction {
  /** Live blobs copied to make room. */
  blobsMoved: number;
  /** Bytes of storage given back to the file system. */
  bytesReclaimed: number;
}

export interface BlobHold {
  /** Streams a blob that exists now or was deleted since the hold began. */
  read(id: BlobId): AsyncIterable<Uint8Array>;
  release(): Promise<void>;
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
