// BlobStore on an append-only segment log with group commit, the embedded default:
//
//   <root>/segments/<16-digit number>.seg   records (format.ts); the newest is appended to
//   key-value store, under the index prefix  blob id → location, checkpoint (blob-index.ts)
//
// Why a log and not one file per blob: creating, fsyncing and renaming a file costs about a
// millisecond of kernel time here, which capped one-file-per-blob at 500–700 blobs/s of
// 20 KB, under the 1,000 messages/s the MX must acknowledge; appending to an open file with
// one fdatasync per group of commits does several times that (scripts/bench-store.ts).
//
// A writer streams: its bytes go out as DATA records of at most RECORD_PAYLOAD_BYTES as they
// arrive, interleaved with other writers' records, so a 20 MB blob never sits in memory.
// commit() appends the rest and a COMMIT record naming every extent, waits for an fdatasync
// that covers it (shared by every commit of the group), and only then returns the id.
// delete() appends a DELETE record the same way. Readers look a blob up in the index and
// read its extents with positional reads; readRange reads only the extents it needs.
//
// The index lives in the key-value store and trails the log by a few milliseconds; the log
// is the truth, and open replays what the index has not taken yet (blob-index.ts).
//
// Deleted bytes stay in their segment until compact() rewrites the live blobs of mostly-dead
// segments and unlinks them. Until then they are ciphertext whose content key went away
// with the message's index record (crypto-shredding), so nobody can read them. For backups,
// hold() keeps deleted blobs readable (compaction unlinks nothing while a hold lasts), and
// snapshot() hard-links the sealed segments, which never change.
//
// The store assumes it is the only process using <root>: openLevelStore holds the LevelDB
// lock of the same data directory before it opens this.

import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { assertBlobId, newBlobId } from '../blob-id.ts';
import { hasRoomToWrite } from '../disk-room.ts';
import type { BlobHold, BlobId, BlobStore, BlobWriter } from '../types.ts';
import { StoreError } from '../types.ts';
import { assertByteCount, resolveBlobRange } from '../validate.ts';
import { BlobIndex, type IndexChange, type IndexStore } from './blob-index.ts';
import { compactLog, type CompactionReport } from './compaction.ts';
import {
  encodeLocation,
  encodeRecordHeader,
  locationBytes,
  RECORD_HEADER_BYTES,
  RecordType,
  type BlobLocation,
  type Extent,
  type LogPosition,
} from './format.ts';
import { recoverLog } from './recovery.ts';
import { SegmentLog } from './segment-log.ts';
import { asStoreError, DIRECTORY_MODE, errnoCode, FILE_MODE, listSegments, readFully, segmentPath, syncDirectory, writeFully } from './segment-files.ts';

/** A blob's bytes go to the log in records of this size: a 20 KB message is one record, a
 * 20 MB one is 80, and a writer holds at most this much in memory. */
const RECORD_PAYLOAD_BYTES = 256 * 1024;
/** Read streams yield chunks of this size, the secretstream chunk size of message bodies
 * (docs/design.md, Keys), so a partial FETCH reads about what it decrypts. */
const READ_CHUNK_BYTES = 64 * 1024;
/** Large enough that segments number in the thousands per terabyte, small enough that
 * compaction rewrites a bounded amount and a snapshot copies at most one of them. */
const TARGET_SEGMENT_BYTES = 256 * 1024 * 1024;
/** A lookup that races compaction may name a segment unlinked a moment later; it looks up
 * again. Each retry follows a completed compaction of the blob, so two are plenty. */
const RELOCATION_RETRIES = 3;
/** Compaction rewrites a segment once at least this share of its bytes is dead: rewriting
 * costs the live bytes, so at half dead each byte copied frees at least one. */
const DEFAULT_MIN_DEAD_RATIO = 0.5;
/** Copy buffer of a snapshot's active-segment prefix. */
const COPY_CHUNK_BYTES = 1024 * 1024;
const SEGMENTS_DIRECTORY = 'segments';
/** After a failed write, the next writes retry the log at most this often. */
const RECOVERY_INTERVAL_MS = 1000;

export interface LogBlobStoreOptions {
  /** The blob store's own directory; segments live in `<directory>/segments`. */
  directory: string;
  /** The store's key-value store, which keeps the index durable and consistent. */
  index: IndexStore;
  /** Keys under this prefix belong to the blob store (server/core/keys.ts reserves it). */
  indexPrefix: string;
  /** Tests set small segments to exercise rolling and compaction. */
  targetSegmentBytes?: number;
  /** Called when writes succeed again after a failure (the disk was full). */
  onWritesResumed?: () => void;
}

export interface BlobSnapshot {
  /** Segments in the snapshot, hard-linked (or copied across file systems). */
  segments: number;
  /** Bytes of the log the snapshot holds. */
  bytes: number;
}

export type { CompactionReport };

export class LogBlobStore implements BlobStore {
  readonly #segmentsDirectory: string;
  readonly #options: LogBlobStoreOptions;
  #index!: BlobIndex;
  #log!: SegmentLog;
  #recovering: Promise<void> | undefined;
  #lastRecoveryAt = Number.NEGATIVE_INFINITY;
  readonly #writers = new Set<LogBlobWriter>();
  /** Segments holding bytes of blobs still being written: compaction leaves them alone. */
  readonly #writerSegments = new Map<number, number>();
  /** Holds (backups in progress) and the blobs deleted while one was active, with the
   * location they had: their bytes stay in the log because compaction does not unlink a
   * segment while a hold is active. */
  #holds = 0;
  readonly #heldDeleted = new Map<BlobId, BlobLocation>();
  /** Compaction and snapshots run one at a time: a snapshot must not lose a segment its
   * captured index names. */
  #maintenance: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(segmentsDirectory: string, options: LogBlobStoreOptions) {
    this.#segmentsDirectory = segmentsDirectory;
    this.#options = options;
  }

  /** Opens (creating if missing) the blob log: replays what the index has not seen and cuts
   * a torn tail (recovery.ts). */
  static async open(options: LogBlobStoreOptions): Promise<LogBlobStore> {
    const segmentsDirectory = join(options.directory, SEGMENTS_DIRECTORY);
    try {
      await mkdir(segmentsDirectory, { recursive: true, mode: DIRECTORY_MODE });
      // The directories just made must be durable before a commit relies on them.
      await Promise.all([syncDirectory(options.directory), syncDirectory(join(options.directory, '..'))]);
      const store = new LogBlobStore(segmentsDirectory, options);
      await store.#attach();
      return store;
    } catch (error) {
      throw new StoreError('IO', `cannot open the blob store at ${options.directory}`, { cause: error });
    }
  }

  /** Loads the index, replays the log from its checkpoint and continues the log at the
   * intact end: on open, and again after a failed write once there is room (#recover). */
  async #attach(): Promise<void> {
    const index = await BlobIndex.load(this.#options.index, this.#options.indexPrefix);
    const recovered = await recoverLog(this.#segmentsDirectory, await listSegments(this.#segmentsDirectory), index.checkpoint);
    for (const { change, end } of recovered.changes) index.enqueue(change, end);
    if (recovered.end) index.durableThrough(recovered.end);
    await index.idle();
    if (index.failure) throw index.failure;
    for (const segment of index.countedSegments()) {
      if (!recovered.segments.includes(segment)) await index.forgetSegment(segment);
    }
    const tail = recovered.end && { segment: recovered.end.segment, bytes: recovered.end.offset };
    this.#log = await SegmentLog.open(
      {
        directory: this.#segmentsDirectory,
        targetSegmentBytes: this.#options.targetSegmentBytes ?? TARGET_SEGMENT_BYTES,
        onDurable: (position) => index.durableThrough(position),
      },
      tail,
      recovered.nextSegment,
    );
    this.#index = index;
  }

  /**
   * A failed write poisons the log and a failed index write stops the index (segment-log.ts,
   * blob-index.ts); without this, only a restart would store again. Once the file system has
   * room, the log is closed, cut back to its last fdatasync (nothing after it was
   * acknowledged, and after a failed fdatasync bytes that read back intact may still not be
   * on disk), and attached again as on open. Writers that began on the old log fail.
   */
  #recoverSoon(): void {
    if (this.#recovering || this.#closed || performance.now() - this.#lastRecoveryAt < RECOVERY_INTERVAL_MS) return;
    this.#lastRecoveryAt = performance.now();
    this.#recovering = this.#exclusively(async () => {
      if (this.#closed || !(await hasRoomToWrite(this.#segmentsDirectory))) return;
      const failed = this.#log;
      await failed.close();
      await this.#index.idle();
      await cutLogAfter(this.#segmentsDirectory, failed.durable);
      await this.#attach();
      this.#options.onWritesResumed?.();
    })
      // Still failing: the next write tries again after the interval.
      .catch(() => undefined)
      .finally(() => {
        this.#recovering = undefined;
      });
  }

  create(): BlobWriter {
    this.#assertOpen();
    return this.#newWriter(newBlobId(), 'commit');
  }

  async *read(id: BlobId, range?: { start?: number; end?: number }): AsyncIterable<Uint8Array> {
    this.#assertOpen();
    assertBlobId(id);
    yield* this.#stream(await this.#openBlob(id, range));
  }

  async *#readHeld(id: BlobId): AsyncIterable<Uint8Array> {
    this.#assertOpen();
    assertBlobId(id);
    const held = this.#heldDeleted.get(id);
    let opened: OpenedBlob;
    try {
      opened = held ? await this.#openLocation(held, undefined) : await this.#openBlob(id, undefined);
    } catch (error) {
      throw asStoreError(error, 'read');
    }
    yield* this.#stream(opened);
  }

  async *#stream(opened: OpenedBlob): AsyncIterable<Uint8Array> {
    try {
      for (const slice of opened.slices) {
        const handle = opened.handles.get(slice.segment) as FileHandle;
        for (let done = 0; done < slice.length; ) {
          this.#assertOpen();
          const chunk = new Uint8Array(Math.min(READ_CHUNK_BYTES, slice.length - done));
          await readExactly(handle, chunk, slice.offset + done);
          done += chunk.length;
          yield chunk;
        }
      }
    } finally {
      await closeAll(opened.handles);
    }
  }

  async readRange(id: BlobId, offset: number, length: number): Promise<Uint8Array> {
    this.#assertOpen();
    assertBlobId(id);
    assertByteCount(offset, 'offset');
    assertByteCount(length, 'length');
    const opened = await this.#openBlob(id, { start: offset, end: offset + Math.min(length, Number.MAX_SAFE_INTEGER - offset) });
    try {
      const bytes = new Uint8Array(opened.slices.reduce((total, slice) => total + slice.length, 0));
      let filled = 0;
      for (const slice of opened.slices) {
        await readExactly(opened.handles.get(slice.segment) as FileHandle, bytes.subarray(filled, filled + slice.length), slice.offset);
        filled += slice.length;
      }
      return bytes;
    } finally {
      await closeAll(opened.handles);
    }
  }

  async size(id: BlobId): Promise<number> {
    this.#assertOpen();
    assertBlobId(id);
    return (await this.#locate(id)).length;
  }

  async delete(id: BlobId): Promise<void> {
    this.#assertOpen();
    assertBlobId(id);
    // A delete that began before a hold need not be kept for it: the caller removed its
    // last reference before deleting, so the hold's key-value snapshot cannot name it.
    const heldAtStart = this.#holds > 0;
    const location = await this.#index.locate(id);
    if (!location) return;
    this.#assertWritable();
    const appended = this.#log.append(RECORD_HEADER_BYTES, () => [encodeRecordHeader(RecordType.delete, id, [])]);
    this.#index.enqueue({ type: 'delete', id }, appended.end);
    if (heldAtStart && this.#holds > 0) this.#heldDeleted.set(id, location);
    await appended.written;
    await this.#log.sync();
  }

  hold(): BlobHold {
    this.#assertOpen();
    this.#holds++;
    let released = false;
    return {
      read: (id) => this.#readHeld(id),
      release: async () => {
        if (released) return;
        released = true;
        this.#holds--;
        // The bytes of held blobs become dead like any deleted blob's: compaction takes them.
        if (this.#holds === 0) this.#heldDeleted.clear();
      },
    };
  }

  async *list(): AsyncIterable<BlobId> {
    this.#assertOpen();
    for await (const id of this.#index.list()) {
      this.#assertOpen();
      yield id;
    }
  }

  /**
   * Rewrites the live blobs of sealed segments whose dead share is at least `minDeadRatio`
   * to the end of the log, then unlinks those segments. Safe to run while the store is in
   * use: readers that looked a blob up just before it moved look it up again, writers'
   * segments are skipped, and a crash at any point leaves either the old or the new copy
   * indexed (RELOCATE records are replayed like commits, and never revive a deleted blob).
   */
  async compact(options: { minDeadRatio?: number } = {}): Promise<CompactionReport> {
    this.#assertOpen();
    const minDeadRatio = options.minDeadRatio ?? DEFAULT_MIN_DEAD_RATIO;
    if (!(typeof minDeadRatio === 'number' && minDeadRatio > 0 && minDeadRatio <= 1)) {
      throw new StoreError('INVALID_ARGUMENT', 'minDeadRatio must be a number in (0, 1]');
    }
    return this.#exclusively(() =>
      compactLog(
        {
          segmentsDirectory: this.#segmentsDirectory,
          activeSegment: () => this.#log.activeSegment,
          checkpoint: () => this.#index.checkpoint,
          liveBytes: (segment) => this.#index.liveBytes(segment),
          heldByWriter: (segment) => this.#writerSegments.has(segment),
          holdActive: () => this.#holds > 0,
          locate: (id) => this.#index.locate(id),
          relocate: (id) => this.#relocate(id),
          sync: () => this.#log.sync(),
          indexed: async () => {
            await this.#index.idle();
            if (this.#index.failure) throw this.#index.failure;
          },
          forget: (segment) => this.#index.forgetSegment(segment),
        },
        minDeadRatio,
      ),
    );
  }

  /**
   * A consistent copy of the blob store for backups. `captureIndex` is the caller's snapshot
   * of the key-value store (which holds this store's index); it runs while compaction is held
   * off, so every segment the captured index names is still here afterwards. Then the
   * sealed segments are hard-linked into `<targetDirectory>/segments` (sealed segments never
   * change) and the durable prefix of the segment being appended to is copied. Restoring the
   * key-value capture and this directory gives a store that opens like one after a crash:
   * it replays the log from the captured checkpoint; blobs committed after the capture may
   * appear there unreferenced.
   */
  async snapshot(targetDirectory: string, captureIndex: () => Promise<void>): Promise<BlobSnapshot> {
    this.#assertOpen();
    return this.#exclusively(async () => {
      const target = join(targetDirectory, SEGMENTS_DIRECTORY);
      await mkdir(target, { recursive: true, mode: DIRECTORY_MODE });
      await captureIndex();
      // Everything the capture can name is durable by now: the index only ever holds
      // changes from records that were fdatasync'ed.
      await this.#log.sync();
      const durable = this.#log.durable;
      let segments = 0;
      let bytes = 0;
      try {
        for (const segment of await listSegments(this.#segmentsDirectory)) {
          if (segment > durable.segment) break;
          const source = segmentPath(this.#segmentsDirectory, segment);
          const destination = segmentPath(target, segment);
          if (segment < durable.segment) {
            await linkOrCopy(source, destination);
            bytes += (await stat(destination)).size;
          } else {
            await copyPrefix(source, destination, durable.offset);
            bytes += durable.offset;
          }
          segments++;
        }
        await syncDirectory(target);
      } catch (error) {
        throw asStoreError(error, 'snapshot');
      }
      return { segments, bytes };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#recovering;
    // Commits in flight finish (their callers are waiting on them); unfinished writers are
    // aborted; the index catches up so the next open has nothing to replay.
    await Promise.all([...this.#writers].map((writer) => writer.settle()));
    await this.#log.close();
    await this.#index.idle();
  }

  #newWriter(id: BlobId, kind: 'commit' | 'relocate'): LogBlobWriter {
    // A writer's records and the fdatasync that makes them durable belong to one log: after
    // a recovery its earlier records may be cut, so it must not go on in the new log.
    const log = this.#log;
    const writer = new LogBlobWriter(id, kind, {
      assertOpen: () => this.#assertOpen(),
      appendRecords: (data, commit) => this.#appendRecords(log, id, kind, data, commit),
      sync: () => (log === this.#log ? log.sync() : Promise.reject(reopenedError())),
      holdSegment: (segment) => this.#writerSegments.set(segment, (this.#writerSegments.get(segment) ?? 0) + 1),
      finished: (finishedWriter, segments) => {
        this.#writers.delete(finishedWriter);
        for (const segment of segments) {
          const holders = (this.#writerSegments.get(segment) ?? 1) - 1;
          if (holders > 0) this.#writerSegments.set(segment, holders);
          else this.#writerSegments.delete(segment);
        }
      },
    });
    this.#writers.add(writer);
    return writer;
  }

  /**
   * Appends DATA records for `data` (each at most RECORD_PAYLOAD_BYTES) and, when `commit`
   * is given (the blob's length and its earlier extents), the COMMIT or RELOCATE record of
   * the whole blob after them, all in one reservation. `data` extents are returned in order.
   */
  #appendRecords(
    log: SegmentLog,
    id: BlobId,
    kind: 'commit' | 'relocate',
    data: readonly RecordPayload[],
    commit: { length: number; extents: readonly Extent[] } | undefined,
  ): { extents: Extent[]; written: Promise<void> } {
    this.#assertWritable();
    if (log !== this.#log) throw reopenedError();
    let byteLength = 0;
    for (const payload of data) byteLength += RECORD_HEADER_BYTES + payloadLength(payload);
    if (commit) byteLength += RECORD_HEADER_BYTES + locationBytes(commit.extents.length + data.length);
    const extents: Extent[] = [];
    let location: BlobLocation | undefined;
    // A commit's last records are written by the fdatasync it waits for, with the rest of
    // its group; DATA records of a blob still streaming are written now (backpressure), and
    // so is a relocation, which compaction syncs only once all are copied.
    const deferWrite = commit !== undefined && kind === 'commit';
    const appended = log.append(
      byteLength,
      (at) => {
        const buffers: Uint8Array[] = [];
        let offset = at.offset;
        for (const payload of data) {
          const length = payloadLength(payload);
          buffers.push(encodeRecordHeader(RecordType.data, id, payload), ...payload);
          extents.push({ segment: at.segment, offset: offset + RECORD_HEADER_BYTES, length });
          offset += RECORD_HEADER_BYTES + length;
        }
        if (commit) {
          location = { length: commit.length, extents: [...commit.extents, ...extents] };
          const payload = encodeLocation(location);
          buffers.push(encodeRecordHeader(kind === 'commit' ? RecordType.commit : RecordType.relocate, id, [payload]), payload);
        }
        return buffers;
      },
      { deferWrite },
    );
    if (location) {
      const change: IndexChange = { type: kind, id, location };
      this.#index.enqueue(change, appended.end);
    }
    return { extents, written: appended.written };
  }

  /** Copies a blob to the end of the log under the same id (compaction). False when the
   * blob was deleted before it could be copied. Not synced: compaction syncs once. */
  async #relocate(id: BlobId): Promise<boolean> {
    const writer = this.#newWriter(id, 'relocate');
    try {
      for await (const chunk of this.read(id)) await writer.write(chunk);
    } catch (error) {
      await writer.abort();
      if (error instanceof StoreError && error.code === 'NOT_FOUND') return false;
      throw error;
    }
    await writer.commit();
    return true;
  }

  async #locate(id: BlobId): Promise<BlobLocation> {
    let location: BlobLocation | undefined;
    try {
      location = await this.#index.locate(id);
    } catch (error) {
      throw this.#closed ? new StoreError('CLOSED', 'the blob store is closed', { cause: error }) : asStoreError(error, 'lookup');
    }
    if (!location) throw new StoreError('NOT_FOUND', 'no such blob');
    return location;
  }

  /** Looks the blob up and opens the segments holding [start, end) of it. */
  async #openBlob(id: BlobId, range: { start?: number; end?: number } | undefined): Promise<OpenedBlob> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#openLocation(await this.#locate(id), range);
      } catch (error) {
        // Compaction moved the blob and unlinked the segment between lookup and open.
        if (errnoCode(error) === 'ENOENT' && attempt < RELOCATION_RETRIES) continue;
        throw asStoreError(error, 'read');
      }
    }
  }

  async #openLocation(location: BlobLocation, range: { start?: number; end?: number } | undefined): Promise<OpenedBlob> {
    const { start, end } = resolveBlobRange(range, location.length);
    const slices = slicesOf(location, start, end);
    const handles = new Map<number, FileHandle>();
    try {
      for (const { segment } of slices) {
        if (!handles.has(segment)) handles.set(segment, await open(segmentPath(this.#segmentsDirectory, segment), constants.O_RDONLY));
      }
      return { slices, handles };
    } catch (error) {
      await closeAll(handles);
      throw error;
    }
  }

  #exclusively<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#maintenance.then(run);
    this.#maintenance = result.catch(() => undefined);
    return result;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the blob store is closed');
  }

  /** Writes need a log that has not failed and an index that still follows it; when
   * either has failed, the refused write starts a recovery. */
  #assertWritable(): void {
    this.#assertOpen();
    try {
      this.#log.assertWritable();
      if (this.#index.failure) throw this.#index.failure;
    } catch (error) {
      this.#recoverSoon();
      throw error;
    }
  }
}

/** The pieces of a blob to read, and the segments they are in, open. */
interface OpenedBlob {
  slices: Extent[];
  handles: Map<number, FileHandle>;
}

interface WriterHost {
  assertOpen(): void;
  appendRecords(
    data: readonly RecordPayload[],
    commit: { length: number; extents: readonly Extent[] } | undefined,
  ): { extents: Extent[]; written: Promise<void> };
  sync(): Promise<void>;
  holdSegment(segment: number): void;
  finished(writer: LogBlobWriter, segments: Iterable<number>): void;
}

class LogBlobWriter implements BlobWriter {
  readonly #id: BlobId;
  readonly #kind: 'commit' | 'relocate';
  readonly #host: WriterHost;
  #state: 'writing' | 'committing' | 'finished' = 'writing';
  #buffered: Uint8Array[] = [];
  #bufferedBytes = 0;
  #bytesWritten = 0;
  readonly #extents: Extent[] = [];
  readonly #segments = new Set<number>();
  /** Writes of DATA records in flight; a failure stays here so that commit() reports it. */
  #writes: Promise<void>[] = [];
  #committing: Promise<unknown> | undefined;

  constructor(id: BlobId, kind: 'commit' | 'relocate', host: WriterHost) {
    this.#id = id;
    this.#kind = kind;
    this.#host = host;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  write(chunk: Uint8Array): Promise<void> {
    try {
      this.#assertWriting();
    } catch (error) {
      return Promise.reject(error);
    }
    if (!(chunk instanceof Uint8Array)) return Promise.reject(new StoreError('INVALID_ARGUMENT', 'chunk must be a Uint8Array'));
    if (chunk.length === 0) return Promise.resolve();
    // A copy: the caller may reuse its buffer as soon as this resolves.
    this.#buffered.push(new Uint8Array(chunk));
    this.#bufferedBytes += chunk.length;
    this.#bytesWritten += chunk.length;
    if (this.#bufferedBytes < RECORD_PAYLOAD_BYTES) return Promise.resolve();
    try {
      return this.#appendData(this.#takeBuffered(false), undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  commit(): Promise<BlobId> {
    try {
      this.#assertWriting();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#state = 'committing';
    const committing = this.#commit();
    this.#committing = committing.catch(() => undefined);
    return committing;
  }

  async abort(): Promise<void> {
    if (this.#state !== 'writing') return;
    this.#state = 'finished';
    this.#buffered = [];
    // The bytes already appended stay as dead DATA records without a COMMIT: never
    // indexed, never readable, reclaimed by compaction.
    await Promise.allSettled(this.#writes);
    this.#host.finished(this, this.#segments);
  }

  /** Used when the store closes: lets a commit in flight finish, aborts anything else. */
  async settle(): Promise<void> {
    if (this.#state === 'writing') await this.abort();
    else await this.#committing;
  }

  async #commit(): Promise<BlobId> {
    try {
      const written = this.#appendData(this.#takeBuffered(true), { length: this.#bytesWritten, extents: [...this.#extents] });
      if (this.#kind === 'commit') await this.#host.sync();
      await written;
      await Promise.all(this.#writes);
      return this.#id;
    } catch (error) {
      // Nothing to clean up: a blob without a durable COMMIT record is never indexed.
      throw asStoreError(error, 'commit');
    } finally {
      this.#state = 'finished';
      this.#host.finished(this, this.#segments);
    }
  }

  /** Appends `pieces` (and the commit record), remembering their extents. */
  #appendData(payloads: RecordPayload[], commit: { length: number; extents: readonly Extent[] } | undefined): Promise<void> {
    const { extents, written } = this.#host.appendRecords(payloads, commit);
    for (const extent of extents) {
      this.#extents.push(extent);
      if (!this.#segments.has(extent.segment)) {
        this.#segments.add(extent.segment);
        this.#host.holdSegment(extent.segment);
      }
    }
    // Marks the write as handled: a caller that ignores write()'s promise must not crash
    // the process with an unhandled rejection; commit() still sees the failure.
    written.catch(() => undefined);
    this.#writes.push(written);
    return written;
  }

  /**
   * The buffered bytes as record payloads of at most RECORD_PAYLOAD_BYTES each, cut without
   * copying. Unless `all`, a last short payload stays buffered, so that records stay full
   * while the blob streams.
   */
  #takeBuffered(all: boolean): RecordPayload[] {
    const payloads: RecordPayload[] = [];
    let current: Uint8Array[] = [];
    let currentBytes = 0;
    for (const chunk of this.#buffered) {
      for (let offset = 0; offset < chunk.length; ) {
        const piece = chunk.subarray(offset, offset + RECORD_PAYLOAD_BYTES - currentBytes);
        current.push(piece);
        currentBytes += piece.length;
        offset += piece.length;
        if (currentBytes === RECORD_PAYLOAD_BYTES) {
          payloads.push(coalesced(current));
          current = [];
          currentBytes = 0;
        }
      }
    }
    if (all && currentBytes > 0) payloads.push(coalesced(current));
    this.#buffered = all ? [] : current;
    this.#bufferedBytes = all ? 0 : currentBytes;
    return payloads;
  }

  #assertWriting(): void {
    this.#host.assertOpen();
    if (this.#state !== 'writing') throw new StoreError('CLOSED', 'this blob writer has already been committed or aborted');
  }
}

/** One record's payload, in the pieces the writer received it in. */
type RecordPayload = readonly Uint8Array[];

/** A payload made of many small writes is copied into one piece, so that a record is a
 * handful of buffers to checksum and hand to writev, whatever the caller's write sizes. */
const MAX_PIECES_PER_RECORD = 16;

function coalesced(pieces: Uint8Array[]): RecordPayload {
  return pieces.length <= MAX_PIECES_PER_RECORD ? pieces : [Buffer.concat(pieces)];
}

function payloadLength(payload: RecordPayload): number {
  let length = 0;
  for (const piece of payload) length += piece.length;
  return length;
}

/** The pieces of the blob's extents that hold its bytes [start, end). */
function slicesOf(location: BlobLocation, start: number, end: number): Extent[] {
  const slices: Extent[] = [];
  let blobOffset = 0;
  for (const extent of location.extents) {
    const from = Math.max(start, blobOffset);
    const to = Math.min(end, blobOffset + extent.length);
    if (from < to) slices.push({ segment: extent.segment, offset: extent.offset + (from - blobOffset), length: to - from });
    blobOffset += extent.length;
    if (blobOffset >= end) break;
  }
  return slices;
}

async function readExactly(handle: FileHandle, target: Uint8Array, position: number): Promise<void> {
  if ((await readFully(handle, target, position)) < target.length) {
    throw new StoreError('IO', 'blob log: a segment is shorter than the index says');
  }
}

async function closeAll(handles: Map<number, FileHandle>): Promise<void> {
  await Promise.allSettled([...handles.values()].map((handle) => handle.close()));
}

async function linkOrCopy(source: string, destination: string): Promise<void> {
  try {
    await link(source, destination);
  } catch (error) {
    // Another file system: a hard link cannot cross it.
    if (errnoCode(error) !== 'EXDEV') throw error;
    await copyFile(source, destination, constants.COPYFILE_EXCL);
  }
}

async function copyPrefix(source: string, destination: string, length: number): Promise<void> {
  const input = await open(source, constants.O_RDONLY);
  let output: FileHandle | undefined;
  try {
    output = await open(destination, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
    const buffer = new Uint8Array(COPY_CHUNK_BYTES);
    for (let position = 0; position < length; ) {
      const chunk = buffer.subarray(0, Math.min(COPY_CHUNK_BYTES, length - position));
      await readExactly(input, chunk, position);
      await writeFully(output, [chunk], position);
      position += chunk.length;
    }
    await output.datasync();
  } finally {
    await Promise.allSettled([input.close(), output?.close()]);
  }
}

function reopenedError(): StoreError {
  return new StoreError('IO', 'blob log: reopened after a failed write; this blob must be written again');
}

/** Cuts the log back to `durable`: later segments emptied first (recovery removes a segment
 * without a header, and those after it), then the segment holding `durable` truncated. */
async function cutLogAfter(directory: string, durable: LogPosition): Promise<void> {
  for (const segment of await listSegments(directory)) {
    if (segment < durable.segment) continue;
    const handle = await open(segmentPath(directory, segment), constants.O_RDWR);
    try {
      const keep = segment === durable.segment ? durable.offset : 0;
      if ((await handle.stat()).size > keep) {
        await handle.truncate(keep);
        await handle.datasync();
      }
    } finally {
      await handle.close();
    }
  }
}
