// The append side of the blob log: one active segment that records are appended to, rolled
// to a new segment when it passes its target size, and group commit: every sync() that
// arrives while an fdatasync is in flight is served by the next single fdatasync. The next
// segment is created (durably) ahead of time, so rolling is a switch in the appending tick
// and never makes a writer wait for a file creation.
//
// Space is reserved synchronously (in the caller's tick), so records land in the order they
// were appended and the bytes of one record are never interleaved with another's; the bytes
// themselves are written by concurrent positional writes. A sync first waits for every write
// reserved before it began, so the log never has a hole before a durable record: the first
// bad record a recovery scan meets is past everything that was ever acknowledged.
//
// Records that are about to be synced anyway (a commit's last bytes and its COMMIT record)
// may be handed over with `deferWrite`: the next fdatasync writes all of them first, runs of
// adjacent ones in one vectored write, so a group of commits costs one write and one
// fdatasync instead of a write per commit (each a hop to the thread pool).
//
// Any failed write, fdatasync or segment creation poisons the log: every later append and
// sync fails with StoreError('IO'). After a failed fdatasync the kernel may have dropped the
// dirty pages, so retrying could acknowledge bytes that are not on disk; reopening the store
// scans the tail and truncates what is not intact.

import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { GroupCommitter } from '../group-commit.ts';
import { StoreError } from '../types.ts';
import type { LogPosition } from './format.ts';
import { asStoreError, createSegment, segmentPath, writeFully } from './segment-files.ts';

interface DeferredWrite {
  segment: WritableSegment;
  offset: number;
  byteLength: number;
  buffers: readonly Uint8Array[];
  written: { resolve(): void; reject(error: unknown): void };
}

interface WritableSegment {
  number: number;
  handle: FileHandle;
  /** Bytes reserved so far: the offset of the next record. */
  size: number;
}

export interface Appended {
  /** Where the first byte of the appended bytes lies. */
  at: LogPosition;
  /** Just past the last byte: durable once sync() has passed it. */
  end: LogPosition;
  /** Resolves when the bytes are written (not yet durable); rejects if the write failed. */
  written: Promise<void>;
}

export interface SegmentLogOptions {
  directory: string;
  /** A segment is rolled once it reaches this many bytes. */
  targetSegmentBytes: number;
  /** Called after each fdatasync with the position everything before which is durable. */
  onDurable(position: LogPosition): void;
}

export class SegmentLog {
  readonly #options: SegmentLogOptions;
  #active: WritableSegment;
  /** The next segment, created ahead; undefined while it is being created. */
  #spare: WritableSegment | undefined;
  #preparingSpare: Promise<void> | undefined;
  /** Sealed segments whose handles close after the next fdatasync has covered them. */
  #sealing: WritableSegment[] = [];
  /** Segments written to since the last fdatasync began. */
  readonly #dirty = new Set<WritableSegment>();
  readonly #inFlight = new Set<Promise<void>>();
  /** Appends whose bytes the next flush writes, in log order. */
  #deferred: DeferredWrite[] = [];
  readonly #syncs: GroupCommitter<void>;
  #durable: LogPosition;
  #failure: StoreError | undefined;
  #closed = false;

  private constructor(options: SegmentLogOptions, active: WritableSegment) {
    this.#options = options;
    this.#active = active;
    this.#durable = { segment: active.number, offset: active.size };
    this.#syncs = new GroupCommitter<void>(() => this.#flush());
  }

  /** Continues the log at the end of segment `tail` (already scanned and cut to its intact
   * length `bytes`), or starts segment `nextSegment` when there is no tail or it is full. */
  static async open(options: SegmentLogOptions, tail: { segment: number; bytes: number } | undefined, nextSegment: number): Promise<SegmentLog> {
    let log: SegmentLog;
    if (tail && tail.bytes < options.targetSegmentBytes) {
      const handle = await open(segmentPath(options.directory, tail.segment), constants.O_RDWR);
      log = new SegmentLog(options, { number: tail.segment, handle, size: tail.bytes });
    } else {
      log = new SegmentLog(options, await createWritableSegment(options.directory, nextSegment));
    }
    log.#prepareSpare(log.#active.number + 1);
    await log.#preparingSpare;
    log.assertWritable();
    return log;
  }

  /** Everything before this position is on disk (fdatasync'ed). */
  get durable(): LogPosition {
    return this.#durable;
  }

  /** The segment appends currently go to; every lower-numbered one is sealed. */
  get activeSegment(): number {
    return this.#active.number;
  }

  /** Fails with StoreError('IO') when the log is poisoned. */
  assertWritable(): void {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new StoreError('CLOSED', 'the blob store is closed');
  }

  /**
   * Reserves `byteLength` bytes at the end of the log and writes what `encode` returns for
   * that position (exactly `byteLength` bytes). Reservation happens now, in the caller's
   * tick: two appends made in one order land in that order. With `deferWrite` the bytes are
   * written by the next sync(), which the caller must then ask for.
   */
  append(byteLength: number, encode: (at: LogPosition) => readonly Uint8Array[], options: { deferWrite?: boolean } = {}): Appended {
    this.assertWritable();
    if (this.#active.size >= this.#options.targetSegmentBytes && this.#spare) this.#roll(this.#spare);
    const segment = this.#active;
    const at = { segment: segment.number, offset: segment.size };
    const buffers = encode(at);
    segment.size += byteLength;
    this.#dirty.add(segment);
    const end = { segment: segment.number, offset: segment.size };
    if (options.deferWrite) {
      let settle!: DeferredWrite['written'];
      const written = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      this.#deferred.push({ segment, offset: at.offset, byteLength, buffers, written: settle });
      return { at, end, written };
    }
    const written = writeFully(segment.handle, buffers, at.offset).catch((error: unknown) => {
      throw this.#poison(asStoreError(error, 'append'));
    });
    this.#inFlight.add(written);
    // Settled either way; a failure is reported through `written` and the poisoned log.
    written.then(
      () => this.#inFlight.delete(written),
      () => this.#inFlight.delete(written),
    );
    return { at, end, written };
  }

  /** Resolves once everything appended before the call is durable (group commit). */
  sync(): Promise<void> {
    try {
      this.assertWritable();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#syncs.submit(undefined);
  }

  /** Waits for syncs and a segment creation in flight; then closes the segment handles. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#deferred.length > 0) await this.sync().catch(() => undefined);
    await this.#syncs.idle();
    await this.#preparingSpare;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    const segments = [this.#active, ...this.#sealing, ...(this.#spare ? [this.#spare] : [])];
    await Promise.allSettled(segments.map((segment) => segment.handle.close()));
  }

  async #flush(): Promise<void> {
    this.assertWritable();
    const target = { segment: this.#active.number, offset: this.#active.size };
    const deferred = this.#deferred;
    this.#deferred = [];
    const writes = [...this.#inFlight, ...writeRuns(deferred)];
    const sealing = this.#sealing;
    this.#sealing = [];
    const toSync = new Set([...this.#dirty, ...sealing]);
    this.#dirty.clear();
    try {
      await Promise.all(writes);
      await Promise.all([...toSync].map((segment) => segment.handle.datasync()));
    } catch (error) {
      const failure = this.#poison(asStoreError(error, 'sync'));
      for (const { written } of deferred) written.reject(failure);
      throw failure;
    } finally {
      // Every write to a sealed segment was reserved before it was sealed, so before this
      // flush began: it is complete (and durable, unless this flush failed), and its handle
      // is no longer needed.
      await Promise.allSettled(sealing.map((segment) => segment.handle.close()));
    }
    for (const { written } of deferred) written.resolve();
    this.#durable = target;
    this.#options.onDurable(target);
  }

  /** Switches appends to the spare and starts creating the one after it. */
  #roll(spare: WritableSegment): void {
    this.#sealing.push(this.#active);
    this.#active = spare;
    this.#spare = undefined;
    this.#prepareSpare(spare.number + 1);
  }

  /** Creates segment `number` as the spare. Until it is ready, appends stay in the active
   * segment, which may then pass its target by what arrives during one file creation. */
  #prepareSpare(number: number): void {
    this.#preparingSpare = createWritableSegment(this.#options.directory, number)
      .then(
        (segment) => {
          this.#spare = segment;
        },
        (error: unknown) => {
          this.#poison(asStoreError(error, 'segment creation'));
        },
      )
      .finally(() => {
        this.#preparingSpare = undefined;
      });
  }

  #poison(error: StoreError): StoreError {
    this.#failure ??= error;
    const deferred = this.#deferred;
    this.#deferred = [];
    for (const { written } of deferred) written.reject(this.#failure);
    return this.#failure;
  }
}

async function createWritableSegment(directory: string, number: number): Promise<WritableSegment> {
  const handle = await createSegment(directory, number);
  const { size } = await handle.stat();
  return { number, handle, size };
}

/** Writes deferred appends, one vectored write per run of adjacent ones. */
function writeRuns(deferred: readonly DeferredWrite[]): Promise<void>[] {
  const writes: Promise<void>[] = [];
  let index = 0;
  while (index < deferred.length) {
    const first = deferred[index] as DeferredWrite;
    const buffers = [...first.buffers];
    let end = first.offset + first.byteLength;
    index++;
    for (let next = deferred[index]; next && next.segment === first.segment && next.offset === end; next = deferred[index]) {
      buffers.push(...next.buffers);
      end += next.byteLength;
      index++;
    }
    writes.push(writeFully(first.segment.handle, buffers, first.offset));
  }
  return writes;
}
