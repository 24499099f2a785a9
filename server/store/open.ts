// Opening a whole Store: the embedded default (LevelDB + files) and the in-memory one for
// tests.
//
//   <dataDir>/kv      LevelDB: every record, index and counter
//   <dataDir>/blobs   message bodies and other large ciphertexts, one file each

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileBlobStore } from './files/blobs.ts';
import { LevelKvStore } from './level/kv.ts';
import { MemoryBlobStore } from './memory/blobs.ts';
import { MemoryKvStore } from './memory/kv.ts';
import type { BlobStore, KvStore, Store } from './types.ts';
import { StoreError } from './types.ts';

/** Owner-only: the data directory holds account addresses, sizes and dates (DESIGN.md §1). */
const DATA_DIRECTORY_MODE = 0o700;

/** The LevelDB lock on <dataDir>/kv is taken first and guards the whole data directory: a
 * second process fails with StoreError('IO', 'data directory is in use by another process
 * (…)') before it touches the blob directory. */
export async function openLevelStore(dataDir: string): Promise<Store> {
  try {
    await mkdir(dataDir, { recursive: true, mode: DATA_DIRECTORY_MODE });
  } catch (error) {
    throw new StoreError('IO', `cannot create the data directory ${dataDir}`, { cause: error });
  }
  const kv = await LevelKvStore.open(join(dataDir, 'kv'));
  let blobs: BlobStore;
  try {
    blobs = await FileBlobStore.open(join(dataDir, 'blobs'));
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
      // Each half waits for its own writes in flight; both are closed even if one fails.
      const results = await Promise.allSettled([blobs.close(), kv.close()]);
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
    },
  };
}
