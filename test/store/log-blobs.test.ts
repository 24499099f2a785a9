// What only the blob log does, beyond the conformance suite it passes in level.test.ts:
// recovery (a torn tail is cut, the index is replayed from the log, damage is refused),
// blobs spanning segments, compaction (space reclaimed, content intact while readers,
// writers and a crash run into it), holds, and snapshots for backups.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LevelKvStore } from '../../server/store/level/kv.ts';
import {
  decodeCount,
  encodeLocation,
  encodePosition,
  encodeRecordHeader,
  isSegmentHeader,
  RECORD_HEADER_BYTES,
  RecordType,
  SEGMENT_HEADER_BYTES,
} from '../../server/store/log/format.ts';
import { segmentFileName } from '../../server/store/log/segment-files.ts';
import { BLOB_LOG_INDEX_PREFIX } from '../../server/store/open.ts';
import type { BlobStore, KvOperation } from '../../server/store/types.ts';
import { StoreError } from '../../server/store/types.ts';
import { crashBlobContent } from './crash-content.ts';
import { openSmallSegmentStore } from './small-segments.ts';

const root = await mkdtemp(join(tmpdir(), 'sealpost-blob-log-test-'));
after(() => rm(root, { recursive: true, force: true }));
let stores = 0;
const freshDataDir = () => join(root, `store-${++stores}`);
const segmentsOf = (dataDir: string) => join(dataDir, 'blob-log', 'segments');

/** Bytes that depend on `seed` and position, so a misplaced or foreign chunk shows. */
function pattern(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (seed * 131 + index * 7 + (index >>> 9)) & 0xff;
  return bytes;
}

async function writeBlob(blobs: BlobStore, content: Uint8Array, pieceBytes = 8192): Promise<string> {
  const writer = blobs.create();
  for (let offset = 0; offset < content.length; offset += pieceBytes) await writer.write(content.subarray(offset, offset + pieceBytes));
  return writer.commit();
}

async function collectBytes(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

const readBlob = (blobs: BlobStore, id: string) => collectBytes(blobs.read(id));

async function listed(blobs: BlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of blobs.list()) ids.push(id);
  return ids.sort();
}

async function segmentSizes(dataDir: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const name of (await readdir(segmentsOf(dataDir))).sort()) sizes.set(name, (await stat(join(segmentsOf(dataDir), name))).size);
  return sizes;
}

const total = (sizes: Map<string, number>) => [...sizes.values()].reduce((sum, size) => sum + size, 0);
const lastSegment = async (dataDir: string) => join(segmentsOf(dataDir), [...(await segmentSizes(dataDir)).keys()].at(-1) as string);

function isStoreError(code: StoreError['code']) {
  return (error: unknown) => error instanceof StoreError && error.code === code;
}

/** Changes the index keys of a closed store directly in its LevelDB. */
async function editIndex(dataDir: string, edit: (kv: LevelKvStore) => Promise<void>): Promise<void> {
  const kv = await LevelKvStore.open(join(dataDir, 'kv'));
  try {
    await edit(kv);
  } finally {
    await kv.close();
  }
}

describe('blob log: recovery', () => {
  test('a torn tail is cut at open, and the log goes on after the cut', async () => {
    const dataDir = freshDataDir();
    let store = await openSmallSegmentStore(dataDir, 1024 * 1024);
    const ids = [];
    for (let index = 0; index < 5; index++) ids.push(await writeBlob(store.blobs, pattern(index, 5000 + index)));
    await store.close();
    const segment = await lastSegment(dataDir);
    const intactBytes = (await stat(segment)).size;
    // A DATA record whose payload never fully reached the disk, then a page of zeros.
    const payload = pattern(99, 1000);
    await appendFile(segment, Buffer.concat([encodeRecordHeader(RecordType.data, 'ab'.repeat(20), [payload]), payload.subarray(0, 300)]));
    await appendFile(segment, Buffer.alloc(4096));

    store = await openSmallSegmentStore(dataDir, 1024 * 1024);
    assert.equal((await stat(segment)).size, intactBytes, 'cut back to the last intact record');
    for (const [index, id] of ids.entries()) assert.deepEqual(await readBlob(store.blobs, id), pattern(index, 5000 + index));
    ids.push(await writeBlob(store.blobs, pattern(5, 7000)));
    await store.close();

    store = await openSmallSegmentStore(dataDir, 1024 * 1024);
    try {
      assert.deepEqual(await listed(store.blobs), [...ids].sort());
      assert.deepEqual(await readBlob(store.blobs, ids[5] as string), pattern(5, 7000));
    } finally {
      await store.close();
    }
  });

  test('a blob whose COMMIT record fails its checksum never becomes readable', async () => {
    const dataDir = freshDataDir();
    let store = await openSmallSegmentStore(dataDir, 1024 * 1024);
    const kept = await writeBlob(store.blobs, pattern(1, 3000));
    await store.close();
    const segment = await lastSegment(dataDir);
    const dataStart = (await stat(segment)).size;
    // Another blob, complete but for the last byte of its COMMIT record.
    const torn = 'cd'.repeat(20);
    const payload = pattern(2, 2000);
    const location = encodeLocation({
      length: payload.length,
      extents: [{ segment: Number(segment.slice(-20, -4)), offset: dataStart + RECORD_HEADER_BYTES, length: payload.length }],
    });
    const commitHeader = encodeRecordHeader(RecordType.commit, torn, [location]);
    location.set([(location.at(-1) as number) ^ 0xff], location.length - 1);
    await appendFile(segment, Buffer.concat([encodeRecordHeader(RecordType.data, torn, [payload]), payload, commitHeader, location]));

    store = await openSmallSegmentStore(dataDir, 1024 * 1024);
    try {
      await assert.rejects(readBlob(store.blobs, torn), isStoreError('NOT_FOUND'));
      assert.deepEqual(await listed(store.blobs), [kept]);
      assert.equal((await stat(segment)).size, dataStart + RECORD_HEADER_BYTES + payload.length, 'cut at the bad COMMIT record');
      assert.deepEqual(await readBlob(store.blobs, kept), pattern(1, 3000));
    } finally {
      await store.close();
    }
  });

  test('the index is replayed from the log after its checkpoint: commits, deletes, counters', async () => {
    const dataDir = freshDataDir();
    let store = await openSmallSegmentStore(dataDir);
    const ids: string[] = [];
    for (let index = 0; index < 12; index++) ids.push(await writeBlob(store.blobs, pattern(index, 9000)));
    for (const id of ids.slice(0, 4)) await store.blobs.delete(id);
    const segments = [...(await segmentSizes(dataDir)).keys()];
    assert.ok(segments.length > 1, 'the blobs span several segments');
    await store.close();

    // As if the process had stopped before any index batch landed: only the log knows.
    await editIndex(dataDir, async (kv) => {
      const keys: string[] = [];
      for await (const [key] of kv.iterate({ gte: BLOB_LOG_INDEX_PREFIX, lt: `${BLOB_LOG_INDEX_PREFIX}\u{10FFFF}` })) keys.push(key);
      assert.ok(
        keys.some((key) => key.includes('/live/')),
        'live-byte counters are kept',
      );
      const operations: KvOperation[] = keys.map((key) => ({ type: 'del', key }));
      operations.push({
        type: 'put',
        key: `${BLOB_LOG_INDEX_PREFIX}checkpoint`,
        value: encodePosition({ segment: Number(segments[0]?.slice(0, 16)), offset: SEGMENT_HEADER_BYTES }),
      });
      await kv.batch(operations);
    });

    store = await openSmallSegmentStore(dataDir);
    try {
      assert.deepEqual(await listed(store.blobs), ids.slice(4).sort());
      for (const [index, id] of ids.entries()) {
        if (index < 4) await assert.rejects(store.blobs.size(id), isStoreError('NOT_FOUND'));
        else assert.deepEqual(await readBlob(store.blobs, id), pattern(index, 9000));
      }
      let live = 0;
      for await (const [, value] of store.kv.iterate({ gte: `${BLOB_LOG_INDEX_PREFIX}live/`, lt: `${BLOB_LOG_INDEX_PREFIX}live0` })) live += decodeCount(value);
      assert.equal(live, 8 * 9000, 'the counters add up to the live blobs');
    } finally {
      await store.close();
    }
  });

  test('a segment whose creation was interrupted is removed at open', async () => {
    const dataDir = freshDataDir();
    let store = await openSmallSegmentStore(dataDir);
    const id = await writeBlob(store.blobs, pattern(3, 4000));
    await store.close();
    const names = [...(await segmentSizes(dataDir)).keys()];
    const interrupted = segmentFileName(Number((names.at(-1) as string).slice(0, 16)) + 1);
    await writeFile(join(segmentsOf(dataDir), interrupted), Buffer.from('SEALPSEG'));
    store = await openSmallSegmentStore(dataDir);
    try {
      // Removed, and made again whole as the spare segment that follows the active one.
      const remade = await readFile(join(segmentsOf(dataDir), interrupted));
      assert.ok(isSegmentHeader(remade, Number(interrupted.slice(0, 16))) && remade.length === SEGMENT_HEADER_BYTES);
      assert.deepEqual(await readBlob(store.blobs, id), pattern(3, 4000));
      const next = await writeBlob(store.blobs, pattern(4, 4000));
      assert.deepEqual(await readBlob(store.blobs, next), pattern(4, 4000));
    } finally {
      await store.close();
    }
  });

  test('open refuses an index that names a segment which is gone', async () => {
    const dataDir = freshDataDir();
    const store = await openSmallSegmentStore(dataDir);
    await writeBlob(store.blobs, pattern(5, 100));
    await store.close();
    await editIndex(dataDir, (kv) =>
      kv.batch([{ type: 'put', key: `${BLOB_LOG_INDEX_PREFIX}checkpoint`, value: encodePosition({ segment: 99, offset: SEGMENT_HEADER_BYTES }) }]),
    );
    await assert.rejects(openSmallSegmentStore(dataDir), (error: unknown) => {
      assert.ok(error instanceof StoreError && error.code === 'IO');
      assert.match(String((error.cause as Error).message), /segment 99 named by the index is missing/);
      return true;
    });
  });
});

describe('blob log: blobs across segments', () => {
  test('concurrent large blobs interleave record by record and read back by any range', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir();
    const store = await openSmallSegmentStore(dataDir);
    try {
      const sizes = [1_000_000, 333_333, 700_001, 20_000, 1, 0, 512 * 1024];
      const ids = await Promise.all(sizes.map((size, seed) => writeBlob(store.blobs, pattern(seed, size), 1000 + seed * 3001)));
      const withRecords = [...(await segmentSizes(dataDir)).values()].filter((size) => size > SEGMENT_HEADER_BYTES);
      assert.ok(withRecords.length >= 2, 'the blobs span several segments');
      for (const [seed, id] of ids.entries()) {
        const expected = pattern(seed, sizes[seed] as number);
        assert.deepEqual(await readBlob(store.blobs, id), expected);
        for (const [start, length] of [
          [0, 10],
          [65_530, 70_000],
          [262_140, 300_000],
          [(sizes[seed] as number) - 3, 10],
        ] as const) {
          const from = Math.max(0, start);
          assert.deepEqual(await store.blobs.readRange(id, from, length), expected.subarray(from, from + length), `blob ${seed} [${from}, +${length})`);
        }
      }
    } finally {
      await store.close();
    }
  });
});

describe('blob log: many small writes', () => {
  test('thousands of tiny writes make whole records with the right bytes', async () => {
    const store = await openSmallSegmentStore(freshDataDir());
    try {
      const content = pattern(11, 600_000);
      const writer = store.blobs.create();
      for (let offset = 0, size = 1; offset < content.length; offset += size, size = (size * 7 + 3) % 300 || 1) {
        await writer.write(content.subarray(offset, offset + size));
      }
      const id = await writer.commit();
      assert.deepEqual(await readBlob(store.blobs, id), content);
      assert.deepEqual(await store.blobs.readRange(id, 262_100, 100), content.subarray(262_100, 262_200));
    } finally {
      await store.close();
    }
  });
});

describe('blob log: compaction', () => {
  test('reclaims the space of deleted blobs and keeps every live one, across reopening', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir();
    let store = await openSmallSegmentStore(dataDir);
    const ids: string[] = [];
    for (let index = 0; index < 60; index++) ids.push(await writeBlob(store.blobs, pattern(index, 20_000)));
    const live = new Map<string, number>();
    for (const [index, id] of ids.entries()) {
      if (index % 3 === 0) live.set(id, index);
      else await store.blobs.delete(id);
    }
    const before = await segmentSizes(dataDir);
    const report = await store.blobs.compact();
    const afterCompaction = await segmentSizes(dataDir);
    assert.ok(report.segmentsCompacted >= 10, `compacted ${report.segmentsCompacted} segments`);
    assert.ok(total(afterCompaction) < total(before) * 0.6, `${total(before)} bytes became ${total(afterCompaction)}`);
    assert.equal(report.blobsMoved <= live.size, true);
    assert.deepEqual(await listed(store.blobs), [...live.keys()].sort());
    for (const [id, index] of live) assert.deepEqual(await readBlob(store.blobs, id), pattern(index, 20_000));
    await store.close();

    store = await openSmallSegmentStore(dataDir);
    try {
      for (const [id, index] of live) assert.deepEqual(await readBlob(store.blobs, id), pattern(index, 20_000));
      for (const id of ids) if (!live.has(id)) await assert.rejects(store.blobs.size(id), isStoreError('NOT_FOUND'));
      // The segment that was being appended to during the first pass is sealed now.
      await store.blobs.compact();
      for (const [id, index] of live) assert.deepEqual(await readBlob(store.blobs, id), pattern(index, 20_000));
      await assert.rejects(store.blobs.compact({ minDeadRatio: 0 }), isStoreError('INVALID_ARGUMENT'));
    } finally {
      await store.close();
    }
  });

  test('readers, writers and deletes carry on while it runs', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir();
    const store = await openSmallSegmentStore(dataDir);
    try {
      const expected = new Map<string, Uint8Array>();
      const doomed: string[] = [];
      for (let index = 0; index < 80; index++) {
        const content = pattern(index, 10_000 + index * 37);
        const id = await writeBlob(store.blobs, content);
        if (index % 4 === 0) expected.set(id, content);
        else doomed.push(id);
      }
      for (const id of doomed.slice(0, 40)) await store.blobs.delete(id);
      const stillDoomed = doomed.slice(40);
      for (const id of stillDoomed) expected.set(id, await readBlob(store.blobs, id));

      let compacting = true;
      let reads = 0;
      const readers = Array.from({ length: 3 }, async () => {
        while (compacting) {
          for (const [id, content] of expected) {
            if (stillDoomed.includes(id)) continue;
            assert.deepEqual(await readBlob(store.blobs, id), content);
            assert.deepEqual(await store.blobs.readRange(id, 100, 50), content.subarray(100, 150));
            reads++;
          }
        }
      });
      const mutations = (async () => {
        for (const [index, id] of stillDoomed.entries()) {
          await store.blobs.delete(id);
          expected.delete(id);
          const content = pattern(1000 + index, 15_000);
          expected.set(await writeBlob(store.blobs, content), content);
        }
      })();
      const report = await store.blobs.compact({ minDeadRatio: 0.3 });
      await mutations;
      compacting = false;
      await Promise.all(readers);
      assert.ok(report.segmentsCompacted > 0 && reads > 0);
      assert.deepEqual(await listed(store.blobs), [...expected.keys()].sort());
      for (const [id, content] of expected) assert.deepEqual(await readBlob(store.blobs, id), content);
      for (const id of stillDoomed) await assert.rejects(store.blobs.size(id), isStoreError('NOT_FOUND'));
    } finally {
      await store.close();
    }
  });

  test('leaves alone the segments of a blob still being written, and of a hold', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir();
    const store = await openSmallSegmentStore(dataDir);
    try {
      const unfinished = store.blobs.create();
      await unfinished.write(pattern(7, 300_000));
      const filler: string[] = [];
      for (let index = 0; index < 10; index++) filler.push(await writeBlob(store.blobs, pattern(index, 20_000)));
      const kept = filler.pop() as string;
      const hold = store.blobs.hold();
      for (const id of filler) await store.blobs.delete(id);
      assert.equal((await store.blobs.compact()).segmentsCompacted, 0, 'nothing goes while a hold is active');
      assert.deepEqual(await collectBytes(hold.read(filler[0] as string)), pattern(0, 20_000));
      await hold.release();

      const report = await store.blobs.compact();
      assert.ok(report.segmentsCompacted > 0);
      const id = await unfinished.commit();
      assert.deepEqual(await readBlob(store.blobs, id), pattern(7, 300_000), 'the writer\u2019s early segments were kept');
      assert.deepEqual(await readBlob(store.blobs, kept), pattern(9, 20_000));
    } finally {
      await store.close();
    }
  });

  test('a process killed while compacting loses no acknowledged blob and revives no deleted one', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir();
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-writer.ts', import.meta.url)), dataDir, 'compacting'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const committed = new Map<number, string>();
    const deleted = new Set<number>();
    try {
      for await (const line of createInterface({ input: child.stdout })) {
        const [word, n, id] = line.split(' ');
        if (word === 'ack') committed.set(Number(n), id as string);
        if (word === 'del') deleted.add(Number(n));
        if (committed.size === 400) child.kill('SIGKILL');
      }
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');
    // The kill may or may not have torn the last record; a torn one is added for sure.
    await appendFile(await lastSegment(dataDir), Buffer.concat([encodeRecordHeader(RecordType.data, 'ef'.repeat(20), [pattern(1, 64)]), Buffer.alloc(10)]));

    const store = await openSmallSegmentStore(dataDir);
    try {
      for (const [n, id] of committed) {
        if (deleted.has(n)) await assert.rejects(store.blobs.size(id), isStoreError('NOT_FOUND'), `blob ${n} was deleted`);
        else if (n % 2 === 1) assert.deepEqual(await readBlob(store.blobs, id), crashBlobContent(n), `blob ${n}`);
      }
      assert.ok(deleted.size > 100, 'deletes were acknowledged');
      assert.ok((await store.blobs.compact({ minDeadRatio: 0.3 })).segmentsCompacted >= 0);
      for (const [n, id] of committed) if (n % 2 === 1) assert.deepEqual(await readBlob(store.blobs, id), crashBlobContent(n));
    } finally {
      await store.close();
    }
  });
});

describe('blob log: snapshots', () => {
  test('a snapshot and its index capture restore every blob they name', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir();
    const store = await openSmallSegmentStore(dataDir);
    const restoredDir = freshDataDir();
    const captured: [string, Uint8Array][] = [];
    const contents = new Map<string, Uint8Array>();
    try {
      for (let index = 0; index < 12; index++) {
        const content = pattern(index, 15_000);
        contents.set(await writeBlob(store.blobs, content), content);
      }
      const snapshot = await store.blobs.snapshot(join(restoredDir, 'blob-log'), async () => {
        for await (const entry of store.kv.iterate({})) captured.push(entry);
      });
      assert.ok(snapshot.segments > 1 && snapshot.bytes > 12 * 15_000);
      const copies = (await readdir(segmentsOf(restoredDir))).sort();
      for (const name of copies.slice(0, -1)) {
        const [original, copy] = await Promise.all([stat(join(segmentsOf(dataDir), name)), stat(join(segmentsOf(restoredDir), name))]);
        assert.equal(copy.ino, original.ino, `sealed segment ${name} is a hard link`);
      }
      // The live store moves on: deletes, new blobs, compaction. The snapshot must not.
      for (const id of [...contents.keys()].slice(0, 9)) await store.blobs.delete(id);
      const later = await writeBlob(store.blobs, pattern(77, 15_000));
      assert.ok((await store.blobs.compact()).segmentsCompacted > 0);

      const kv = await LevelKvStore.open(join(restoredDir, 'kv'));
      await kv.batch(captured.map(([key, value]) => ({ type: 'put', key, value })));
      await kv.close();
      const restored = await openSmallSegmentStore(restoredDir);
      try {
        assert.deepEqual(await listed(restored.blobs), [...contents.keys()].sort());
        for (const [id, content] of contents) assert.deepEqual(await readBlob(restored.blobs, id), content);
        await assert.rejects(restored.blobs.size(later), isStoreError('NOT_FOUND'));
      } finally {
        await restored.close();
      }
    } finally {
      await store.close();
    }
  });
});
