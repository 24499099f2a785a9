// Child process of the crash tests in level.test.ts: writes to a Level store as fast as it
// can and prints one line per write the store acknowledged, until the parent kills it with
// SIGKILL. The parent then checks that every acknowledged write survived.
//
//   node --import tsx test/store/crash-writer.ts <dataDir> kv|blobs
//   stdout: "ready", then "ack <n>" (kv) or "ack <n> <blobId>" (blobs), one per line

import { openLevelStore } from '../../server/store/open.ts';
import { crashBatch, crashBlobContent } from './crash-content.ts';

/** Concurrent writers, so that acknowledgements come out of grouped (group-commit) writes. */
const WRITERS = 8;

const [dataDir, mode] = process.argv.slice(2);
if (!dataDir || (mode !== 'kv' && mode !== 'blobs')) {
  process.stderr.write('usage: crash-writer.ts <dataDir> kv|blobs\n');
  process.exit(2);
}

const store = await openLevelStore(dataDir);
process.stdout.write('ready\n');

let next = 0;
async function writeForever(): Promise<never> {
  while (true) {
    const n = next++;
    if (mode === 'kv') {
      await store.kv.batch(crashBatch(n));
      process.stdout.write(`ack ${n}\n`);
    } else {
      const writer = store.blobs.create();
      await writer.write(crashBlobContent(n));
      const id = await writer.commit();
      process.stdout.write(`ack ${n} ${id}\n`);
    }
  }
}

await Promise.all(Array.from({ length: WRITERS }, writeForever));
