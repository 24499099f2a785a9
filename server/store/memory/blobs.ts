// In-memory BlobStore for tests: the contract of the file store (random ids, streamed reads
// in chunks, copies in and out, nothing visible before commit) with nothing durable.

import { assertBlobId, newBlobId } from '../blob-id.ts';
import type { BlobCompaction, BlobHold, BlobId, BlobStore, BlobWriter } from '../types.ts';
import { StoreError } from '../types.ts';
import { assertByteCount, resolveBlobRange } from '../validate.ts';

/** The file store's read chunk size, so consumers see the same stream shape in tests. */
const READ_CHUNK_BYTES = 64 * 1024;

export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<BlobId, Uint8Array>();
  #activeHolds = 0;
  /** Blobs deleted while holds were active, dropped when the last one ends. */
  readonly #held = new Map<BlobId, Uint8Array>();
  #closed = false;

  create(): BlobWriter {
    this.#assertOpen();
    return new MemoryBlobWriter({
      assertOpen: () => this.#assertOpen(),
      store: (bytes) => {
        const id = newBlobId();
        this.#blobs.set(id, bytes);
        return id;
      },
    });
  }

  async *read(id: BlobId, range?: { start?: number; end?: number }): AsyncIterable<Uint8Array> {
    const blob = this.#get(id);
    const { start, end } = resolveBlobRange(range, blob.length);
    for (let position = start; position < end; position += READ_CHUNK_BYTES) {
      this.#assertOpen();
      yield blob.slice(position, Math.min(end, position + READ_CHUNK_BYTES));
    }
  }

  async readRange(id: BlobId, offset: number, length: number): Promise<Uint8Array> {
    const blob = this.#get(id);
    assertByteCount(offset, 'offset');
    assertByteCount(length, 'length');
    return blob.slice(Math.min(offset, blob.length), Math.min(offset + length, blob.length));
  }

  async size(id: BlobId): Promise<number> {
    return this.#get(id).length;
  }

  async delete(id: BlobId): Promise<void> {
    this.#assertOpen();
    assertBlobId(id);
    const blob = this.#blobs.get(id);
    if (blob && this.#activeHolds > 0) this.#held.set(id, blob);
    this.#blobs.delete(id);
  }

  hold(): BlobHold {
    this.#assertOpen();
    this.#activeHolds += 1;
    let released = false;
    const store = this;
    return {
      async *read(id) {
        store.#assertOpen();
        assertBlobId(id);
        const blob = store.#blobs.get(id) ?? store.#held.get(id);
        if (!blob) throw new StoreError('NOT_FOUND', 'no such blob');
        for (let position = 0; position < blob.length; position += READ_CHUNK_BYTES) {
          yield blob.slice(position, Math.min(blob.length, position + READ_CHUNK_BYTES));
        }
      },
      async release() {
        if (released) return;
        released = true;
        store.#activeHolds -= 1;
        if (store.#activeHolds === 0) store.#held.clear();
      },
    };
  }

  /** Nothing to reclaim: a delete drops the bytes at once. */
  async compact(): Promise<BlobCompaction> {
    this.#assertOpen();
    return { blobsMoved: 0, bytesReclaimed: 0 };
  }

  async *list(): AsyncIterable<BlobId> {
    this.#assertOpen();
    for (const id of [...this.#blobs.keys()]) {
      this.#assertOpen();
      yield id;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #get(id: BlobId): Uint8Array {
    this.#assertOpen();
    assertBlobId(id);
    const blob = this.#blobs.get(id);
    if (!blob) throw new StoreError('NOT_FOUND', 'no such blob');
    return blob;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the blob store is closed');
  }
}

interface WriterHooks {
  assertOpen(): void;
  store(bytes: Uint8Array): BlobId;
}

class MemoryBlobWriter implements BlobWriter {
  readonly #hooks: WriterHooks;
  #chunks: Uint8Array[] = [];
  #finished = false;
  #bytesWritten = 0;

  constructor(hooks: WriterHooks) {
    this.#hooks = hooks;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#assertWriting();
    if (!(chunk instanceof Uint8Array)) throw new StoreError('INVALID_ARGUMENT', 'chunk must be a Uint8Array');
    this.#chunks.push(new Uint8Array(chunk));
    this.#bytesWritten += chunk.length;
  }

  async commit(): Promise<BlobId> {
    this.#assertWriting();
    this.#finished = true;
    const bytes = new Uint8Array(this.#bytesWritten);
    let offset = 0;
    for (const chunk of this.#chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    this.#chunks = [];
    return this.#hooks.store(bytes);
  }

  async abort(): Promise<void> {
    this.#finished = true;
    this.#chunks = [];
  }

  #assertWriting(): void {
    this.#hooks.assertOpen();
    if (this.#finished) throw new StoreError('CLOSED', 'this blob writer has already been committed or aborted');
  }
}
