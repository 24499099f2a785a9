// The embedded default store (LevelDB + blob log), and LevelDB with the one-file-per-blob
// store: the conformance suite, then what only a durable store can show: data survives
// reopening, the data directory is locked, and a process killed mid-write loses nothing it
// acknowledged. What only the blob log does (torn tails, compaction) is in log-blobs.test.ts.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openLevelStore } from '../../server/store/open.ts';
import { StoreError } from '../../server/store/types.ts';
import { runStoreConformance } from './conformance.ts';
import { CRASH_BATCH_KEYS, crashBlobContent, crashKey, crashValue } from './crash-content.ts';

const root = await mkdtemp(join(tmpdir(), 'sealpost-store-test-'));
after(() => rm(root, { recursive: true, force: true }));

let stores = 0;
const freshDataDir = () => join(root, `store-${++stores}`);

runStoreConformance({
  name: 'level',
  open: () => openLevelStore(freshDataDir()),
  blobsOutsideMemory: true,
});

const bytes = (text: string) => new TextEncoder().encode(text);

function isInUseError(error: unknown): boolean {
  assert.ok(error instanceof StoreError);
  assert.equal(error.code, 'IO');
  assert.match(error.message, /^data directory is in use by another process \(.+\)$/);
  return true;
}

describe('level: durability and locking', () => {
  test('records and blobs survive close and reopen', async () => {
    const dataDir = freshDataDir();
    const first = await openLevelStore(dataDir);
    await first.kv.batch([
      { type: 'put', key: 'kept', value: bytes('yes') },
      { type: 'put', key: 'log/1', value: bytes('x') },
      { type: 'put', key: 'log/2', value: bytes('x') },
    ]);
    await first.kv.clearRange({ gte: 'log/', lt: 'log0' });
    const writer = first.blobs.create();
    await writer.write(bytes('body'));
    const id = await writer.commit();
    const deletedWriter = first.blobs.create();
    await deletedWriter.write(bytes('gone'));
    const deleted = await deletedWriter.commit();
    await first.blobs.delete(deleted);
    await first.close();

    const second = await openLevelStore(dataDir);
    try {
      assert.equal(new TextDecoder().decode(await second.kv.get('kept')), 'yes');
      assert.deepEqual(await second.kv.getMany(['log/1', 'log/2']), [undefined, undefined]);
      assert.equal(Buffer.from(await second.blobs.readRange(id, 0, 10)).toString(), 'body');
      const listed: string[] = [];
      for await (const listedId of second.blobs.list()) listed.push(listedId);
      assert.deepEqual(listed, [id]);
    } finally {
      await second.close();
    }
  });

  test('batches accepted before close are on disk after reopen', async () => {
    const dataDir = freshDataDir();
    const first = await openLevelStore(dataDir);
    const writes = Array.from({ length: 50 }, (_, index) => first.kv.batch([{ type: 'put', key: `w/${index}`, value: bytes('v') }]));
    await first.close();
    await Promise.all(writes);
    const second = await openLevelStore(dataDir);
    try {
      let count = 0;
      for await (const _ of second.kv.iterate({ gte: 'w/', lt: 'w0' })) count++;
      assert.equal(count, 50);
    } finally {
      await second.close();
    }
  });

  test('a second open of the same data directory says it is in use', async () => {
    const dataDir = freshDataDir();
    const first = await openLevelStore(dataDir);
    try {
      await assert.rejects(openLevelStore(dataDir), isInUseError);
    } finally {
      await first.close();
    }
    const again = await openLevelStore(dataDir);
    await again.close();
  });
});

interface CrashRun {
  acknowledged: string[][];
}

/** Runs the crash writer until it has acknowledged `acknowledgements` writes, checking the
 * lock from this process while it runs, then kills it with SIGKILL mid-stream. */
async function runAndKill(dataDir: string, mode: 'kv' | 'blobs', acknowledgements: number): Promise<CrashRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-writer.ts', import.meta.url)), dataDir, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const acknowledged: string[][] = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') {
        await assert.rejects(openLevelStore(dataDir), isInUseError);
        continue;
      }
      const [word, ...fields] = line.split(' ');
      assert.equal(word, 'ack');
      acknowledged.push(fields);
      if (acknowledged.length === acknowledgements) child.kill('SIGKILL');
    }
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL', 'the writer was killed, not finished');
  assert.ok(acknowledged.length >= acknowledgements);
  return { acknowledged };
}

describe('level: a process killed mid-write loses nothing it acknowledged', () => {
  test('key-value batches', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir();
    const { acknowledged } = await runAndKill(dataDir, 'kv', 400);
    const store = await openLevelStore(dataDir);
    try {
      for (const [n] of acknowledged) {
        const keys = Array.from({ length: CRASH_BATCH_KEYS }, (_, index) => crashKey(Number(n), index));
        const values = await store.kv.getMany(keys);
        for (const [index, value] of values.entries()) assert.deepEqual(value, crashValue(Number(n), index), `batch ${n} key ${index}`);
      }
      // Unacknowledged batches may or may not have landed, but never partly.
      const keysPerBatch = new Map<string, number>();
      for await (const [key] of store.kv.iterate({ gte: 'crash/', lt: 'crash0' })) {
        const batch = key.split('/')[1] as string;
        keysPerBatch.set(batch, (keysPerBatch.get(batch) ?? 0) + 1);
      }
      for (const [batch, count] of keysPerBatch) assert.equal(count, CRASH_BATCH_KEYS, `batch ${batch} is torn`);
    } finally {
      await store.close();
    }
  });

  test('blob commits', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir();
    const { acknowledged } = await runAndKill(dataDir, 'blobs', 300);
    const store = await openLevelStore(dataDir);
    try {
      const listed = new Set<string>();
      for await (const id of store.blobs.list()) listed.add(id);
      for (const [n, id] of acknowledged as [string, string][]) {
        assert.ok(listed.has(id), `blob ${n} is listed`);
        const chunks: Uint8Array[] = [];
        for await (const chunk of store.blobs.read(id)) chunks.push(chunk);
        assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), crashBlobContent(Number(n)), `blob ${n}`);
      }
    } finally {
      await store.close();
    }
  });
});
