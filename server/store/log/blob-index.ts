// The index of the blob log: blob id → location, kept in the key-value store under a prefix
// the blob store owns, with two bookkeeping keys beside it:
//
//   <prefix>blob/<id>          the blob's location (format.ts)
//   <prefix>checkpoint         a log position: every record before it is reflected here
//   <prefix>live/<segment>     bytes of committed blobs in that segment (picks compaction work)
//
// The log, not the index, is what makes a commit durable: commit() returns once its COMMIT
// record is fdatasync'ed, and the index is brought up to date behind it, in key-value
// batches that each carry the index entries, counters and the new checkpoint together
// (atomically). Until a batch lands, durable changes are served from memory ("pending").
// After a crash, open replays the log from the checkpoint, so the index is exactly the log
// again. Index batches trail the log by up to INDEX_DELAY_MS: every key-value batch is an
// fsync, and gathering them keeps the blob index from doubling the fsyncs of a commit.
//
// Changes are applied strictly in log order by one loop, so a DELETE that follows a COMMIT
// wins, and a RELOCATE of a blob already deleted is dropped instead of resurrecting it.

import type { BlobId, KvOperation, KvStore } from '../types.ts';
import { StoreError } from '../types.ts';
import {
  comparePositions,
  decodeCount,
  decodeLocation,
  decodePosition,
  encodeCount,
  encodeLocation,
  encodePosition,
  type BlobLocation,
  type LogPosition,
} from './format.ts';

/** What the index needs of the key-value store: durable atomic batches, reads, scans. */
export type IndexStore = Pick<KvStore, 'get' | 'getMany' | 'batch' | 'iterate'>;

export type IndexChange =
  | { type: 'commit'; id: BlobId; location: BlobLocation }
  | { type: 'relocate'; id: BlobId; location: BlobLocation }
  | { type: 'delete'; id: BlobId };

interface QueuedChange {
  change: IndexChange;
  /** The log position just past the record carrying the change. */
  end: LogPosition;
  sequence: number;
}

interface PendingEntry {
  /** undefined: deleted. */
  location: BlobLocation | undefined;
  sequence: number;
}

/** How long durable changes may wait for their index batch: at 1,000 commits/s that is 50
 * per key-value fsync instead of one or two, and a replay after a crash reads that much
 * log at most. */
const INDEX_DELAY_MS = 50;
/** A batch goes out at once when this many changes wait, bounding memory and batch size. */
const INDEX_BATCH_CHANGES = 1024;
/** Greatest code point: bounds a prefix scan in bytewise UTF-8 order (see types.ts). */
const PREFIX_END = '\u{10FFFF}';

export class BlobIndex {
  readonly #kv: IndexStore;
  readonly #prefix: string;
  #checkpoint: LogPosition | undefined;
  readonly #liveBytes = new Map<number, number>();
  /** Changes whose records are appended but not yet durable, in log order. */
  #appended: QueuedChange[] = [];
  /** Durable changes not yet written to the key-value store, in log order. */
  #durable: QueuedChange[] = [];
  #durableThrough: LogPosition | undefined;
  /** Durable commits and deletes the key-value store does not show yet. */
  readonly #pending = new Map<BlobId, PendingEntry>();
  #sequence = 0;
  #applying: Promise<void> | undefined;
  #delayed: NodeJS.Timeout | undefined;
  #failure: StoreError | undefined;

  private constructor(kv: IndexStore, prefix: string) {
    this.#kv = kv;
    this.#prefix = prefix;
  }

  static async load(kv: IndexStore, prefix: string): Promise<BlobIndex> {
    const index = new BlobIndex(kv, prefix);
    const checkpoint = await kv.get(index.#checkpointKey());
    if (checkpoint) index.#checkpoint = decodePosition(checkpoint);
    const livePrefix = index.#livePrefix();
    for await (const [key, value] of kv.iterate({ gte: livePrefix, lt: livePrefix + PREFIX_END })) {
      index.#liveBytes.set(Number(key.slice(livePrefix.length)), decodeCount(value));
    }
    return index;
  }

  /** Every log record before this position is reflected in the key-value store. */
  get checkpoint(): LogPosition | undefined {
    return this.#checkpoint;
  }

  /** Set when a key-value write failed: the index can no longer follow the log. */
  get failure(): StoreError | undefined {
    return this.#failure;
  }

  liveBytes(segment: number): number {
    return this.#liveBytes.get(segment) ?? 0;
  }

  /** Segments that have a live-byte counter. */
  countedSegments(): number[] {
    return [...this.#liveBytes.keys()];
  }

  /** Records a change carried by a log record just appended; must be called in the same
   * tick as that append, so that changes queue in log order. */
  enqueue(change: IndexChange, end: LogPosition): void {
    this.#appended.push({ change, end, sequence: ++this.#sequence });
  }

  /** The log is durable before `position`: the changes it covers become visible and are
   * written to the key-value store behind. */
  durableThrough(position: LogPosition): void {
    this.#durableThrough = position;
    let count = 0;
    while (count < this.#appended.length && comparePositions((this.#appended[count] as QueuedChange).end, position) <= 0) count++;
    if (count === 0) return;
    const nowDurable = this.#appended.splice(0, count);
    for (const { change, sequence } of nowDurable) {
      // A relocation becomes visible only once indexed: until then the old location, which
      // compaction keeps on disk, serves reads just as well.
      if (change.type === 'commit') this.#pending.set(change.id, { location: change.location, sequence });
      else if (change.type === 'delete') this.#pending.set(change.id, { location: undefined, sequence });
    }
    this.#durable.push(...nowDurable);
    this.#schedule();
  }

  async locate(id: BlobId): Promise<BlobLocation | undefined> {
    const pending = this.#pending.get(id);
    if (pending) return pending.location;
    const value = await this.#kv.get(this.#blobKey(id));
    return value ? decodeLocation(value) : undefined;
  }

  /** Ids of the blobs committed (durably) before the call, and not deleted. */
  async *list(): AsyncIterable<BlobId> {
    // Pending first, then the scan: a change the scan misses because it landed in the
    // key-value store after the scan's snapshot is still in this copy.
    const pending = new Map(this.#pending);
    const blobPrefix = this.#blobPrefix();
    for await (const [key] of this.#kv.iterate({ gte: blobPrefix, lt: blobPrefix + PREFIX_END })) {
      const id = key.slice(blobPrefix.length);
      if (!pending.has(id)) yield id;
    }
    for (const [id, entry] of pending) if (entry.location) yield id;
  }

  /** Writes every durable change to the key-value store now; resolves once done (or once
   * that has failed: see `failure`). */
  async idle(): Promise<void> {
    while (this.#applying || (this.#durable.length > 0 && !this.#failure)) {
      this.#startApplying();
      await this.#applying;
    }
  }

  /** Drops the counter of a segment that compaction removed. */
  async forgetSegment(segment: number): Promise<void> {
    await this.idle();
    if (!this.#liveBytes.has(segment)) return;
    await this.#kv.batch([{ type: 'del', key: this.#liveKey(segment) }]);
    this.#liveBytes.delete(segment);
  }

  /** Starts a batch at once when enough changes wait, else after INDEX_DELAY_MS. */
  #schedule(): void {
    if (this.#applying || this.#durable.length === 0 || this.#failure) return;
    if (this.#durable.length >= INDEX_BATCH_CHANGES) this.#startApplying();
    // Unreferenced: a process may exit with changes waiting; the log replays them.
    else this.#delayed ??= setTimeout(() => this.#startApplying(), INDEX_DELAY_MS).unref();
  }

  #startApplying(): void {
    clearTimeout(this.#delayed);
    this.#delayed = undefined;
    if (this.#applying || this.#durable.length === 0 || this.#failure) return;
    this.#applying = this.#applyWaiting().finally(() => {
      this.#applying = undefined;
      this.#schedule();
    });
  }

  async #applyWaiting(): Promise<void> {
    const changes = this.#durable;
    this.#durable = [];
    const checkpoint = this.#durableThrough as LogPosition;
    try {
      await this.#apply(changes, checkpoint);
    } catch (error) {
      this.#failure = new StoreError('IO', 'the blob index could not be written; reopen the store to replay the log', { cause: error });
    }
  }

  /** One atomic batch: the changes in log order, the counters they move, the checkpoint. */
  async #apply(changes: QueuedChange[], checkpoint: LogPosition): Promise<void> {
    const lookedUp = [...new Set(changes.filter(({ change }) => change.type !== 'commit').map(({ change }) => change.id))];
    const stored = new Map<BlobId, BlobLocation | undefined>();
    if (lookedUp.length > 0) {
      const values = await this.#kv.getMany(lookedUp.map((id) => this.#blobKey(id)));
      lookedUp.forEach((id, position) => {
        const value = values[position];
        stored.set(id, value ? decodeLocation(value) : undefined);
      });
    }
    const current = new Map<BlobId, BlobLocation | undefined>();
    const liveDelta = new Map<number, number>();
    const count = (location: BlobLocation, sign: 1 | -1) => {
      for (const extent of location.extents) liveDelta.set(extent.segment, (liveDelta.get(extent.segment) ?? 0) + sign * extent.length);
    };
    for (const { change } of changes) {
      const before = current.has(change.id) ? current.get(change.id) : stored.get(change.id);
      if (change.type === 'commit') {
        count(change.location, 1);
        current.set(change.id, change.location);
      } else if (before) {
        count(before, -1);
        if (change.type === 'relocate') count(change.location, 1);
        current.set(change.id, change.type === 'relocate' ? change.location : undefined);
      }
    }
    const operations: KvOperation[] = [];
    for (const [id, location] of current) {
      operations.push(location ? { type: 'put', key: this.#blobKey(id), value: encodeLocation(location) } : { type: 'del', key: this.#blobKey(id) });
    }
    const liveAfter = new Map<number, number>();
    for (const [segment, delta] of liveDelta) {
      if (delta === 0) continue;
      // The counters only choose compaction work (compaction checks the index itself before
      // removing a segment), so a drift can waste space but never lose a blob.
      const bytes = Math.max(0, this.liveBytes(segment) + delta);
      liveAfter.set(segment, bytes);
      operations.push({ type: 'put', key: this.#liveKey(segment), value: encodeCount(bytes) });
    }
    operations.push({ type: 'put', key: this.#checkpointKey(), value: encodePosition(checkpoint) });
    await this.#kv.batch(operations);

    this.#checkpoint = checkpoint;
    for (const [segment, bytes] of liveAfter) this.#liveBytes.set(segment, bytes);
    const lastSequence = (changes[changes.length - 1] as QueuedChange).sequence;
    for (const { change } of changes) {
      const pending = this.#pending.get(change.id);
      if (pending && pending.sequence <= lastSequence) this.#pending.delete(change.id);
    }
  }

  #blobPrefix(): string {
    return `${this.#prefix}blob/`;
  }

  #blobKey(id: BlobId): string {
    return this.#blobPrefix() + id;
  }

  #checkpointKey(): string {
    return `${this.#prefix}checkpoint`;
  }

  #livePrefix(): string {
    return `${this.#prefix}live/`;
  }

  #liveKey(segment: number): string {
    return this.#livePrefix() + String(segment).padStart(16, '0');
  }
}
