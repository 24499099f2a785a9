// A blob log with tiny segments over LevelDB, laid out like openLevelStore's: rolling,
// compaction and multi-segment blobs happen after a few hundred kilobytes instead of
// hundreds of megabytes.

import { join } from 'node:path';
import { LevelKvStore } from '../../server/store/level/kv.ts';
import { LogBlobStore } from '../../server/store/log/blobs.ts';
import { BLOB_LOG_INDEX_PREFIX } from '../../server/store/open.ts';

/** About three 20 KB blobs per segment. */
const SMALL_SEGMENT_BYTES = 64 * 1024;

export interface SmallSegmentStore {
  kv: LevelKvStore;
  blobs: LogBlobStore;
  close(): Promise<void>;
}

export async function openSmallSegmentStore(dataDir: string, targetSegmentBytes = SMALL_SEGMENT_BYTES): Promise<SmallSegmentStore> {
  const kv = await LevelKvStore.open(join(dataDir, 'kv'));
  try {
    const blobs = await LogBlobStore.open({ directory: join(dataDir, 'blob-log'), index: kv, indexPrefix: BLOB_LOG_INDEX_PREFIX, targetSegmentBytes });
    return {
      kv,
      blobs,
      async close() {
        await blobs.close();
        await kv.close();
      },
    };
  } catch (error) {
    await kv.close();
    throw error;
  }
}
