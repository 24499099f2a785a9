// Opening a whole Store: the embedded default (LevelDB + blob log) and the in-memory one for
// tests.
//
//   <dataDir>/kv         LevelDB: every record, index and counter, and the blob log's index
//   <dataDir>/blob-log   message bodies and other large ciphertexts, in segments (log/blobs.ts)

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LevelKvStore } from './level/kv.ts';
import { LogBlobStore } from './log/blobs.ts';
import { MemoryBlobStore } from './memory/blobs.ts';
import { MemoryKvStore } from './memory/kv.ts';
import type { BlobStore, KvStore, Store } from './types.ts';
import { StoreError } from './types.ts';

/** Owner-only: the data directory holds account addresses, sizes and dates (docs/design.md, Promises). */
const DATA_DIRECTORY_MODE = 0o700;
/** Keys of the blob log's index in the key-value store; server/core/keys.ts keeps clear of it. */
export const BLOB_LOG_INDEX_PREFIX = 'bloblog/';

export interface LevelStoreOptions {
  /** Segment size of the blob log (tests make it small to see segments fill and empty). */
  blobSegmentBytes?: number;
  /** Called when writes succeed again after a failure, e.g. once a full disk has room. */
  onWritesResumed?: () => void;
}

/** The LevelDB lock on <dataDir>/kv is taken first and guards the whole data directory: a
 * second process fails with StoreError('IO', 'data directory is in use by another process
 * (…)') before it touches the blob directory. */
export async function openLevelStore(dataDir: string, options: LevelStoreOptions = {}): Promise<Store> {
  try {
    await mkdir(dataDir, { recursive: true, mode: DATA_DIRECTORY_MODE });
  } catch (error) {
    throw new StoreError('IO', `cannot create the data directory ${dataDir}`, { cause: error });
  }
  const kv = await LevelKvStore.open(join(dataDir, 'kv'), { onWritesResumed: options.onWritesResumed });
  let blobs: BlobStore;
  try {
    // An append-only segment log with group commit: several times more 20 KB blobs per
    // second than one file per blob on the same disk (scripts/bench-store.ts).
    blobs = await LogBlobStore.open({
      directory: join(dataDir, 'blob-log'),
      index: kv,
      indexPrefix: BLOB_LOG_INDEX_PREFIX,
      targetSegmentBytes: options.blobSegmentBytes,
      onWritesResumed: options.onWritesResumed,
    });
  } catch (error) {
    await kv.close();
    throw error;
  }
  return composeStore(kv, blobs);
}

export function openMemoryStore(): Store {
  return composeStore(new MemoryKvStore(), new MemoryBlobStore());
}

function composeStore(kv: KvStore, blobs: BlobStore): Store {
  return {
    kv,
    blobs,
    async close() {
      // Blobs first: the blob log writes its index to the key-value store until it closes.
      // Each half waits for its own writes in flight; both are closed even if one fails.
      const results = [await Promise.allSettled([blobs.close()]), await Promise.allSettled([kv.close()])].flat();
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
    },
  };
}
