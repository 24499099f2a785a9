// Each half of the embedded store stores again by itself once a full file system has room
// (issue 12, item 5): the blob log, whose failed write poisons it, and LevelDB, which keeps a
// failed memtable flush as a background error. Real ENOSPC on a small tmpfs; needs root.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, stat, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LevelKvStore } from '../../server/store/level/kv.ts';
import { openLevelStore } from '../../server/store/open.ts';
import type { BlobStore } from '../../server/store/types.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** Fills the file system, then frees `leave` bytes of it again. */
async function fillUp(path: string, leave = 0): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (;;) await handle.write(Buffer.alloc(64 * 1024));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
  const rest = await open(path, 'a');
  try {
    for (;;) await rest.write(Buffer.alloc(512));
  } catch {
    // full
  } finally {
    await rest.close().catch(() => undefined);
  }
  if (leave > 0) await truncate(path, Math.max(0, (await stat(path)).size - leave));
}

async function writeBlob(blobs: BlobStore, bytes: Uint8Array): Promise<string> {
  const writer = blobs.create();
  try {
    await writer.write(bytes);
    return await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

async function readBlob(blobs: BlobStore, id: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of blobs.read(id)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 30) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('a store on a file system that ran full', { skip: isRoot ? false : 'mounting a tmpfs needs root' }, () => {
  let mountPoint: string;
  before(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'sealpost-refill-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
  });
  after(async () => {
    await run('umount', ['-l', mountPoint]).catch(() => undefined);
    await rm(mountPoint, { recursive: true, force: true });
  });

  test('the blob log: refuses while full, stores again once there is room, loses nothing it acknowledged', async () => {
    const dataDir = join(mountPoint, 'blobs');
    let resumed = 0;
    const store = await openLevelStore(dataDir, { onWritesResumed: () => resumed++ });
    const kept = await writeBlob(store.blobs, Buffer.alloc(100_000, 1));
    // A writer that began before the disk ran full and goes on after the recovery must not
    // end up with records in two logs.
    const straddling = store.blobs.create();
    await straddling.write(Buffer.alloc(300_000, 2));
    await fillUp(join(mountPoint, 'filler'));
    await assert.rejects(writeBlob(store.blobs, Buffer.alloc(300_000, 3)));
    await assert.rejects(writeBlob(store.blobs, Buffer.alloc(300_000, 3)), 'still full: still refused');

    await unlink(join(mountPoint, 'filler'));
    const after = await eventually(() => writeBlob(store.blobs, Buffer.alloc(300_000, 4)));
    assert.ok(resumed >= 1, 'the recovery is reported');
    await assert.rejects(
      (async () => {
        await straddling.write(Buffer.alloc(300_000, 2));
        await straddling.commit();
      })(),
      /reopened after a failed write/,
    );
    assert.deepEqual(await readBlob(store.blobs, kept), Buffer.alloc(100_000, 1));
    assert.deepEqual(await readBlob(store.blobs, after), Buffer.alloc(300_000, 4));
    await store.close();

    // What it holds opens again as after a crash, with both blobs.
    const reopened = await openLevelStore(dataDir);
    try {
      assert.deepEqual(await readBlob(reopened.blobs, kept), Buffer.alloc(100_000, 1));
      assert.deepEqual(await readBlob(reopened.blobs, after), Buffer.alloc(300_000, 4));
    } finally {
      await reopened.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('LevelDB: a failed memtable flush no longer refuses every later write', async () => {
    const location = join(mountPoint, 'kv');
    let resumed = 0;
    const kv = await LevelKvStore.open(location, { onWritesResumed: () => resumed++ });
    // Nearly a full memtable (4 MiB), then too little room for the flush that follows.
    for (let index = 0; index < 390; index++) await kv.batch([{ type: 'put', key: `before/${index}`, value: new Uint8Array(10_000).fill(1) }]);
    await fillUp(join(mountPoint, 'filler'), 400_000);
    let failures = 0;
    for (let index = 0; index < 60; index++) {
      await kv.batch([{ type: 'put', key: `during/${index}`, value: new Uint8Array(10_000) }]).catch(() => failures++);
    }
    assert.ok(failures > 0, 'the flush failed');

    await unlink(join(mountPoint, 'filler'));
    await kv.batch([{ type: 'put', key: 'after', value: new Uint8Array([7]) }]);
    assert.deepEqual(await kv.get('after'), new Uint8Array([7]));
    assert.deepEqual(await kv.get('before/389'), new Uint8Array(10_000).fill(1));
    assert.equal(resumed, 1);
    await kv.close();
    await rm(location, { recursive: true, force: true });
  });
});
