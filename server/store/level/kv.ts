// KvStore on LevelDB (level → classic-level). LevelDB compares keys bytewise, which for our
// UTF-8 keys is code point order. Every batch is written with sync: true (fsync of the
// write-ahead log) so it is durable when it resolves; concurrent batches share one such
// write through group commit. Reads and iterators use LevelDB's implicit snapshots.
//
// LevelDB keeps a failed memtable flush or log sync (a full disk) as a background error and
// refuses every later write until the database is reopened. So when a write fails again
// after an earlier failure and the disk has room, the database is closed and opened in place
// and the write retried once; reads wait for the reopen, iterators open across it fail.

import { Level } from 'level';
import { hasRoomToWrite } from '../disk-room.ts';
import { GroupCommitter } from '../group-commit.ts';
import type { KvKey, KvOperation, KvRange, KvStore, KvValue } from '../types.ts';
import { StoreError } from '../types.ts';
import { assertClearRange, assertKey, assertOperations, assertRange } from '../validate.ts';

type LevelDb = Level<string, Uint8Array>;
/** In Node `level` is classic-level, whose compactRange its universal typings leave out. */
type CompactableDb = { compactRange(start: string, end: string): Promise<void> };

/** Entries fetched per round trip to the native iterator: amortises the thread-pool hop
 * without holding much memory (values are small records; bodies live in the blob store). */
const ITERATOR_BATCH_ENTRIES = 256;

export class LevelKvStore implements KvStore {
  readonly #db: LevelDb;
  readonly #location: string;
  readonly #writes: GroupCommitter<readonly KvOperation[]>;
  readonly #onWritesResumed: (() => void) | undefined;
  #writeFailed = false;
  #reopening: Promise<void> | undefined;
  #closed = false;

  private constructor(db: LevelDb, location: string, onWritesResumed: (() => void) | undefined) {
    this.#db = db;
    this.#location = location;
    this.#onWritesResumed = onWritesResumed;
    this.#writes = new GroupCommitter((groups) => this.#writeDurably(groups));
  }

  /** Opens (creating if missing) the database at `location`. Fails with StoreError('IO',
   * 'data directory is in use by another process (…)') when another process holds it; the
   * CLI relies on that message to detect a running server. `onWritesResumed` is called when
   * a write succeeds after one failed. */
  static async open(location: string, options: { onWritesResumed?: () => void } = {}): Promise<LevelKvStore> {
    const db: LevelDb = new Level<string, Uint8Array>(location, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      // No Snappy: compressed blocks would let a byte search of the data directory miss
      // plaintext fragments, and the privacy tests rely on such searches being meaningful.
      // Values are mostly ciphertext, which does not compress anyway.
      compression: false,
    });
    try {
      await db.open();
    } catch (error) {
      if (levelCode((error as { cause?: unknown }).cause) === 'LEVEL_LOCKED') {
        throw new StoreError('IO', `data directory is in use by another process (${location})`, { cause: error });
      }
      throw new StoreError('IO', `cannot open the key-value store at ${location}`, { cause: error });
    }
    return new LevelKvStore(db, location, options.onWritesResumed);
  }

  async get(key: KvKey): Promise<KvValue | undefined> {
    this.#assertOpen();
    assertKey(key);
    await this.#reopened();
    try {
      const value = await this.#db.get(key);
      return value === undefined ? undefined : asPlainBytes(value);
    } catch (error) {
      throw this.#wrap(error, 'get');
    }
  }

  async getMany(keys: readonly KvKey[]): Promise<(KvValue | undefined)[]> {
    this.#assertOpen();
    if (!Array.isArray(keys)) throw new StoreError('INVALID_ARGUMENT', 'keys must be an array');
    for (const key of keys) assertKey(key);
    if (keys.length === 0) return [];
    await this.#reopened();
    try {
      const values = await this.#db.getMany(keys as KvKey[]);
      return values.map((value) => (value === undefined ? undefined : asPlainBytes(value)));
    } catch (error) {
      throw this.#wrap(error, 'getMany');
    }
  }

  async batch(operations: readonly KvOperation[]): Promise<void> {
    this.#assertOpen();
    assertOperations(operations);
    if (operations.length === 0) return;
    // Copies: the caller may reuse its array and buffers while the batch waits for its group.
    await this.#writes.submit(
      operations.map((operation) =>
        operation.type === 'put' ? { type: 'put', key: operation.key, value: new Uint8Array(operation.value) } : { type: 'del', key: operation.key },
      ),
    );
  }

  async *iterate(range: KvRange): AsyncIterable<[KvKey, KvValue]> {
    this.#assertOpen();
    assertRange(range);
    if (range.limit === 0) return;
    await this.#reopened();
    const iterator = this.#db.iterator({
      ...(range.gte !== undefined && { gte: range.gte }),
      ...(range.lt !== undefined && { lt: range.lt }),
      reverse: range.reverse === true,
      limit: range.limit === undefined || range.limit === Infinity ? -1 : range.limit,
    });
    try {
      while (true) {
        let entries: [string, Uint8Array][];
        try {
          entries = await iterator.nextv(ITERATOR_BATCH_ENTRIES);
        } catch (error) {
          throw this.#wrap(error, 'iterate');
        }
        if (entries.length === 0) return;
        for (const [key, value] of entries) {
          this.#assertOpen();
          yield [key, asPlainBytes(value)];
        }
      }
    } finally {
      await iterator.close().catch(() => undefined);
    }
  }

  async clearRange(range: { gte: KvKey; lt: KvKey }): Promise<void> {
    this.#assertOpen();
    assertClearRange(range);
    // classic-level's db.clear() writes in unsynced 16 KiB chunks, so it is neither atomic
    // nor durable; collecting the keys from a snapshot and deleting them in one synced
    // batch is both. Keys written concurrently with the call may survive it.
    let keys: string[];
    await this.#reopened();
    try {
      keys = await this.#db.keys({ gte: range.gte, lt: range.lt }).all();
    } catch (error) {
      throw this.#wrap(error, 'clearRange');
    }
    if (keys.length === 0) return;
    await this.#writes.submit(keys.map((key) => ({ type: 'del', key })));
  }

  async compact(range: { gte: KvKey; lt: KvKey }): Promise<void> {
    this.#assertOpen();
    assertClearRange(range);
    // Writes already accepted are part of what the caller means to compact.
    await this.#writes.idle();
    try {
      // Flushes the memtable (and with it the write-ahead log that held old values), then
      // merges every level's files overlapping the range, dropping shadowed versions.
      await (this.#db as unknown as CompactableDb).compactRange(range.gte, range.lt);
    } catch (error) {
      throw this.#wrap(error, 'compact');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Batches already accepted are written before the database closes under them.
    await this.#writes.idle();
    try {
      await this.#db.close();
    } catch (error) {
      throw new StoreError('IO', `cannot close the key-value store at ${this.#location}`, { cause: error });
    }
  }

  async #writeDurably(groups: (readonly KvOperation[])[]): Promise<void> {
    const merged: KvOperation[] = groups.length === 1 ? (groups[0] as KvOperation[]) : groups.flat();
    try {
      try {
        await this.#db.batch(merged, { sync: true });
      } catch (error) {
        const failedBefore = this.#writeFailed;
        this.#writeFailed = true;
        if (!failedBefore || this.#closed || !(await hasRoomToWrite(this.#location))) throw error;
        await this.#reopen();
        await this.#db.batch(merged, { sync: true });
      }
    } catch (error) {
      throw this.#wrap(error, 'batch');
    }
    if (this.#writeFailed) {
      this.#writeFailed = false;
      this.#onWritesResumed?.();
    }
  }

  /** Runs inside the group committer, so no batch is in flight. */
  async #reopen(): Promise<void> {
    this.#reopening = (async () => {
      await this.#db.close();
      await this.#db.open();
    })();
    try {
      await this.#reopening;
    } finally {
      this.#reopening = undefined;
    }
  }

  async #reopened(): Promise<void> {
    // A reopen that failed leaves the database closed: the read fails, the next write retries.
    if (this.#reopening) await this.#reopening.catch(() => undefined);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the key-value store is closed');
  }

  #wrap(error: unknown, operation: string): StoreError {
    if (error instanceof StoreError) return error;
    if (this.#closed) return new StoreError('CLOSED', 'the key-value store is closed', { cause: error });
    return new StoreError('IO', `key-value ${operation} failed (${levelCode(error) ?? 'unknown error'})`, {
      cause: error,
    });
  }
}

function levelCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** classic-level returns Buffers; callers get plain Uint8Arrays from every backend alike.
 * Each value is a fresh allocation, so this view is already the caller's own copy. */
function asPlainBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
