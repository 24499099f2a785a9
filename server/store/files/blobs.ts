// BlobStore on plain files, one file per blob:
//
//   <root>/tmp/<id>      being written; anything here at open is a crash leftover and removed
//   <root>/<ab>/<id>     committed; <ab> = the id's first two hex characters (256 directories
//                        keep each directory small enough for fast lookups at millions of blobs)
//   <root>/held/<id>     deleted while a hold (a backup in progress) lasts; removed when the
//                        last hold is released, and at open as a crash leftover
//
// Commit = fdatasync(file) → rename into its fan-out directory → fsync(directory). Only after
// the directory fsync is the name durable, so only then may the message be acknowledged.
// Directory fsyncs are group-committed per directory: commits landing in one directory while
// its fsync is in flight share the next one.
//
// The store assumes it is the only process using <root>: openLevelStore holds the LevelDB
// lock of the same data directory before it opens this, which is what makes removing
// tmp/ and held/ at open safe.

import { constants, type Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { assertBlobId, isBlobId, newBlobId } from '../blob-id.ts';
import { GroupCommitter } from '../group-commit.ts';
import type { BlobCompaction, BlobHold, BlobId, BlobStore, BlobWriter } from '../types.ts';
import { StoreError } from '../types.ts';
import { assertByteCount, resolveBlobRange } from '../validate.ts';

/** Writes are gathered up to this size: a typical 20 KB message becomes one write, and a
 * 20 MB one is written in steps that hold at most this much per writer in memory. */
const WRITE_BUFFER_BYTES = 64 * 1024;
/** Read streams yield chunks of this size, the secretstream chunk size of message bodies
 * (docs/design.md, Keys), so a partial FETCH reads about what it decrypts. */
const READ_CHUNK_BYTES = 64 * 1024;
/** Owner-only: blobs are ciphertext, but their sizes and count are still nobody else's. */
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;
const TMP_DIRECTORY = 'tmp';
const HELD_DIRECTORY = 'held';
const FAN_OUT_DIRECTORIES = Array.from({ length: 256 }, (_, index) => index.toString(16).padStart(2, '0'));

export class FileBlobStore implements BlobStore {
  readonly #root: string;
  readonly #directorySyncs = new Map<string, GroupCommitter<void>>();
  readonly #writers = new Set<FileBlobWriter>();
  #activeHolds = 0;
  /** Blobs moved to held/ while holds were active, removed when the last one ends. */
  readonly #heldIds = new Set<BlobId>();
  #closed = false;

  private constructor(root: string) {
    this.#root = root;
  }

  /** Opens (creating if missing) the blob directory and removes crash leftovers from tmp/. */
  static async open(root: string): Promise<FileBlobStore> {
    const store = new FileBlobStore(root);
    try {
      await mkdir(root, { recursive: true, mode: DIRECTORY_MODE });
      await mkdir(join(root, TMP_DIRECTORY), { recursive: true, mode: DIRECTORY_MODE });
      await mkdir(join(root, HELD_DIRECTORY), { recursive: true, mode: DIRECTORY_MODE });
      await Promise.all(FAN_OUT_DIRECTORIES.map((name) => mkdir(join(root, name), { recursive: true, mode: DIRECTORY_MODE })));
      await store.#removeLeftovers(TMP_DIRECTORY);
      await store.#removeLeftovers(HELD_DIRECTORY);
      // The directories just made (and the leftovers just removed) must be durable before
      // the first commit relies on them.
      await Promise.all([syncDirectory(root), syncDirectory(join(root, TMP_DIRECTORY)), syncDirectory(join(root, '..'))]);
    } catch (error) {
      throw new StoreError('IO', `cannot open the blob store at ${root}`, { cause: error });
    }
    return store;
  }

  create(): BlobWriter {
    this.#assertOpen();
    const writer = new FileBlobWriter(this.#root, newBlobId(), {
      syncDirectory: (directory) => this.#syncDirectoryGrouped(directory),
      finished: (finishedWriter) => this.#writers.delete(finishedWriter),
    });
    this.#writers.add(writer);
    return writer;
  }

  async *read(id: BlobId, range?: { start?: number; end?: number }): AsyncIterable<Uint8Array> {
    this.#assertOpen();
    assertBlobId(id);
    yield* this.#readFrom(await openBlob(this.#blobPath(id)), range);
  }

  async *#readFrom(handle: FileHandle, range?: { start?: number; end?: number }): AsyncIterable<Uint8Array> {
    try {
      const { start, end } = resolveBlobRange(range, (await handle.stat()).size);
      let position = start;
      while (position < end) {
        this.#assertOpen();
        const chunk = new Uint8Array(Math.min(READ_CHUNK_BYTES, end - position));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
      }
    } catch (error) {
      throw asStoreError(error, 'read');
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async readRange(id: BlobId, offset: number, length: number): Promise<Uint8Array> {
    this.#assertOpen();
    assertBlobId(id);
    assertByteCount(offset, 'offset');
    assertByteCount(length, 'length');
    const handle = await openBlob(this.#blobPath(id));
    try {
      const size = (await handle.stat()).size;
      const bytes = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let filled = 0;
      while (filled < bytes.length) {
        const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return bytes.subarray(0, filled);
    } catch (error) {
      throw asStoreError(error, 'readRange');
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async size(id: BlobId): Promise<number> {
    this.#assertOpen();
    assertBlobId(id);
    const handle = await openBlob(this.#blobPath(id));
    try {
      return (await handle.stat()).size;
    } catch (error) {
      throw asStoreError(error, 'size');
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async delete(id: BlobId): Promise<void> {
    this.#assertOpen();
    assertBlobId(id);
    try {
      if (this.#activeHolds > 0) {
        const heldPath = join(this.#root, HELD_DIRECTORY, id);
        await rename(this.#blobPath(id), heldPath);
        // The last hold may have ended while the rename ran.
        if (this.#activeHolds > 0) this.#heldIds.add(id);
        else await unlinkIfPresent(heldPath);
      } else {
        await unlink(this.#blobPath(id));
      }
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw asStoreError(error, 'delete');
    }
    await this.#syncDirectoryGrouped(join(this.#root, fanOutOf(id)));
  }

  /** Nothing to reclaim: a delete unlinks the file, so its space is free at once. */
  async compact(): Promise<BlobCompaction> {
    this.#assertOpen();
    return { blobsMoved: 0, bytesReclaimed: 0 };
  }

  async *list(): AsyncIterable<BlobId> {
    this.#assertOpen();
    for (const directory of FAN_OUT_DIRECTORIES) {
      let entries: Dirent[];
      try {
        entries = await readdir(join(this.#root, directory), { withFileTypes: true });
      } catch (error) {
        throw asStoreError(error, 'list');
      }
      for (const entry of entries) {
        this.#assertOpen();
        if (entry.isFile() && isBlobId(entry.name) && fanOutOf(entry.name) === directory) yield entry.name;
      }
    }
  }

  hold(): BlobHold {
    this.#assertOpen();
    this.#activeHolds += 1;
    let released = false;
    return {
      read: (id) => this.#readHeld(id),
      release: async () => {
        if (released) return;
        released = true;
        this.#activeHolds -= 1;
        if (this.#activeHolds > 0) return;
        const ids = [...this.#heldIds];
        this.#heldIds.clear();
        await Promise.all(ids.map((id) => unlinkIfPresent(join(this.#root, HELD_DIRECTORY, id))));
      },
    };
  }

  async *#readHeld(id: BlobId): AsyncIterable<Uint8Array> {
    this.#assertOpen();
    assertBlobId(id);
    let handle: FileHandle;
    try {
      handle = await openBlob(this.#blobPath(id));
    } catch (error) {
      // Deleted since the hold began: delete() moved it aside instead of removing it.
      if (!(error instanceof StoreError && error.code === 'NOT_FOUND')) throw error;
      handle = await openBlob(join(this.#root, HELD_DIRECTORY, id));
    }
    yield* this.#readFrom(handle);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Commits in flight finish (their callers are waiting on them); unfinished writers are
    // aborted so no temporary file outlives the store.
    await Promise.all([...this.#writers].map((writer) => writer.settle()));
    await Promise.all([...this.#directorySyncs.values()].map((directorySync) => directorySync.idle()));
  }

  #blobPath(id: BlobId): string {
    return join(this.#root, fanOutOf(id), id);
  }

  #syncDirectoryGrouped(directory: string): Promise<void> {
    let directorySync = this.#directorySyncs.get(directory);
    if (!directorySync) {
      directorySync = new GroupCommitter<void>(() => syncDirectory(directory));
      this.#directorySyncs.set(directory, directorySync);
    }
    return directorySync.submit();
  }

  async #removeLeftovers(directory: string): Promise<void> {
    const path = join(this.#root, directory);
    const names = await readdir(path);
    await Promise.all(names.map((name) => unlink(join(path, name))));
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the blob store is closed');
  }
}

interface WriterHooks {
  syncDirectory(directory: string): Promise<void>;
  finished(writer: FileBlobWriter): void;
}

class FileBlobWriter implements BlobWriter {
  readonly #id: BlobId;
  readonly #tmpPath: string;
  readonly #finalDirectory: string;
  readonly #hooks: WriterHooks;
  #state: 'writing' | 'committing' | 'finished' = 'writing';
  #handle: FileHandle | undefined;
  #buffered: Uint8Array[] = [];
  #bufferedBytes = 0;
  /** The chain of file writes; a failure stays in it so that commit() reports it. */
  #writing: Promise<void> = Promise.resolve();
  #committing: Promise<unknown> | undefined;
  #bytesWritten = 0;

  constructor(root: string, id: BlobId, hooks: WriterHooks) {
    this.#id = id;
    this.#tmpPath = join(root, TMP_DIRECTORY, id);
    this.#finalDirectory = join(root, fanOutOf(id));
    this.#hooks = hooks;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#state !== 'writing') return Promise.reject(finishedError());
    if (!(chunk instanceof Uint8Array)) return Promise.reject(new StoreError('INVALID_ARGUMENT', 'chunk must be a Uint8Array'));
    if (chunk.length === 0) return Promise.resolve();
    // A copy: the caller may reuse its buffer as soon as this resolves.
    this.#buffered.push(new Uint8Array(chunk));
    this.#bufferedBytes += chunk.length;
    this.#bytesWritten += chunk.length;
    if (this.#bufferedBytes < WRITE_BUFFER_BYTES) return Promise.resolve();
    return this.#flushBuffered();
  }

  commit(): Promise<BlobId> {
    if (this.#state !== 'writing') return Promise.reject(finishedError());
    this.#state = 'committing';
    const committing = this.#commit();
    this.#committing = committing.catch(() => undefined);
    return committing;
  }

  async abort(): Promise<void> {
    if (this.#state !== 'writing') return;
    this.#state = 'finished';
    await this.#writing.catch(() => undefined);
    await this.#discard(false);
    this.#hooks.finished(this);
  }

  /** Used when the store closes: lets a commit in flight finish, aborts anything else. */
  async settle(): Promise<void> {
    if (this.#state === 'writing') await this.abort();
    else await this.#committing;
  }

  async #commit(): Promise<BlobId> {
    let renamed = false;
    try {
      await this.#flushBuffered();
      const handle = this.#handle as FileHandle;
      await handle.datasync();
      await rename(this.#tmpPath, join(this.#finalDirectory, this.#id));
      renamed = true;
      this.#handle = undefined;
      await Promise.all([handle.close(), this.#hooks.syncDirectory(this.#finalDirectory)]);
      return this.#id;
    } catch (error) {
      // Not acknowledged, so not kept: a blob whose name may not be durable is removed too.
      await this.#discard(renamed);
      throw asStoreError(error, 'commit');
    } finally {
      this.#state = 'finished';
      this.#hooks.finished(this);
    }
  }

  /** Appends everything buffered, opening the temporary file on first use. */
  #flushBuffered(): Promise<void> {
    const chunks = this.#buffered;
    this.#buffered = [];
    this.#bufferedBytes = 0;
    this.#writing = this.#writing.then(async () => {
      this.#handle ??= await open(this.#tmpPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
      await writeAll(this.#handle, chunks);
    });
    // Marks the chain as handled: a caller that ignores write()'s promise must not crash the
    // process with an unhandled rejection; commit() still sees the failure.
    this.#writing.catch(() => undefined);
    return this.#writing;
  }

  async #discard(renamed: boolean): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
    await unlinkIfPresent(this.#tmpPath);
    if (renamed) await unlinkIfPresent(join(this.#finalDirectory, this.#id));
  }
}

async function writeAll(handle: FileHandle, chunks: Uint8Array[]): Promise<void> {
  let remaining = chunks;
  while (remaining.length > 0) {
    const { bytesWritten } = await handle.writev(remaining);
    remaining = dropWritten(remaining, bytesWritten);
  }
}

/** What is left of `chunks` after a (possibly short) vectored write of `written` bytes. */
function dropWritten(chunks: Uint8Array[], written: number): Uint8Array[] {
  let skip = written;
  let index = 0;
  while (index < chunks.length && skip >= (chunks[index] as Uint8Array).length) {
    skip -= (chunks[index] as Uint8Array).length;
    index++;
  }
  const rest = chunks.slice(index);
  if (skip > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(skip);
  return rest;
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function openBlob(path: string): Promise<FileHandle> {
  try {
    return await open(path, constants.O_RDONLY);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new StoreError('NOT_FOUND', 'no such blob', { cause: error });
    throw asStoreError(error, 'open');
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw asStoreError(error, 'unlink');
  }
}

function fanOutOf(id: BlobId): string {
  return id.slice(0, 2);
}

function finishedError(): StoreError {
  return new StoreError('CLOSED', 'this blob writer has already been committed or aborted');
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function asStoreError(error: unknown, operation: string): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError('IO', `blob ${operation} failed (${errnoCode(error) ?? 'unknown error'})`, { cause: error });
}
