// Child process of the crash tests in level.test.ts and log-blobs.test.ts: writes to a store
// as fast as it can and prints one line per write the store acknowledged, until the parent
// kills it with SIGKILL. The parent then checks that every acknowledged write survived.
//
//   node --import tsx test/store/crash-writer.ts <dataDir> kv|blobs|compacting
//   stdout: "ready", then "ack <n>" (kv) or "ack <n> <blobId>" (blobs), one per line;
//   compacting also deletes every even blob right after its ack ("del <n>" once that delete
//   is acknowledged) while compact() runs in a loop over small segments.

import { openLevelStore } from '../../server/store/open.ts';
import type { BlobStore, KvStore } from '../../server/store/types.ts';
import { crashBatch, crashBlobContent } from './crash-content.ts';
import { openSmallSegmentStore } from './small-segments.ts';

/** Concurrent writers, so that acknowledgements come out of grouped (group-commit) writes. */
const WRITERS = 8;

const [dataDir, mode] = process.argv.slice(2);
if (!dataDir || (mode !== 'kv' && mode !== 'blobs' && mode !== 'compacting')) {
  process.stderr.write('usage: crash-writer.ts <dataDir> kv|blobs|compacting\n');
  process.exit(2);
}

let kv: KvStore;
let blobs: BlobStore & { compact?: (options: { minDeadRatio: number }) => Promise<unknown> };
if (mode === 'compacting') {
  ({ kv, blobs } = await openSmallSegmentStore(dataDir));
} else {
  ({ kv, blobs } = await openLevelStore(dataDir));
}
process.stdout.write('ready\n');

let next = 0;
async function writeForever(): Promise<never> {
  while (true) {
    const n = next++;
    if (mode === 'kv') {
      await kv.batch(crashBatch(n));
      process.stdout.write(`ack ${n}\n`);
      continue;
    }
    const writer = blobs.create();
    await writer.write(crashBlobContent(n));
    const id = await writer.commit();
    process.stdout.write(`ack ${n} ${id}\n`);
    if (mode === 'compacting' && n % 2 === 0) {
      await blobs.delete(id);
      process.stdout.write(`del ${n}\n`);
    }
  }
}

/** Between compaction passes, so that an idle pass does not spin. */
const COMPACTION_PAUSE_MS = 5;

async function compactForever(): Promise<never> {
  while (true) {
    await blobs.compact?.({ minDeadRatio: 0.3 });
    await new Promise((resolve) => setTimeout(resolve, COMPACTION_PAUSE_MS));
  }
}

await Promise.all([...Array.from({ length: WRITERS }, writeForever), ...(mode === 'compacting' ? [compactForever()] : [])]);
