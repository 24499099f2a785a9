// What backups and deletion need from the store beyond the conformance suite: compact()
// makes deleted values physically gone from LevelDB's files (byte search of the
// directory), and a blob hold keeps deleted blobs readable until it is released.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { erasing, keyRange } from '../../server/core/erasure.ts';
import { openLevelStore, openMemoryStore } from '../../server/store/open.ts';
import { StoreError, type Store } from '../../server/store/types.ts';
import { searchBytes } from '../helpers/byte-search.ts';

const root = await mkdtemp(join(tmpdir(), 'sealpost-erasure-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;
const freshDir = () => join(root, `store-${++count}`);
const bytes = (text: string) => new TextEncoder().encode(text);
const secret = () => `SECRET${randomBytes(10).toString('hex')}`;

async function fill(store: Store, prefix: string, entries: number): Promise<void> {
  for (let start = 0; start < entries; start += 500) {
    const operations = [];
    for (let index = start; index < Math.min(entries, start + 500); index++) {
      operations.push({ type: 'put' as const, key: `${prefix}/${String(index).padStart(7, '0')}`, value: bytes(`${prefix} filler `.repeat(12)) });
    }
    await store.kv.batch(operations);
  }
}

describe('level: compact() erases deleted values from the files', () => {
  test('a value written and deleted in one write window is gone after erasing', async () => {
    const dir = freshDir();
    const store = await openLevelStore(dir);
    try {
      const value = secret();
      await fill(store, 'aaa', 300);
      await store.kv.batch([{ type: 'put', key: 'paycode/x', value: bytes(value) }]);
      await fill(store, 'zzz', 300);
      assert.notDeepEqual(await searchBytes(dir, value), [], 'the value is on disk before (the search works)');
      await erasing(store.kv, [keyRange('paycode/x')], () => store.kv.batch([{ type: 'del', key: 'paycode/x' }]));
      assert.deepEqual(await searchBytes(dir, value), []);
      assert.equal(await store.kv.get('aaa/0000001').then((v) => v?.length), bytes('aaa filler '.repeat(12)).length, 'neighbours intact');
    } finally {
      await store.close();
    }
  });

  test('every overwritten version of a record in an older, larger store is gone', async () => {
    const dir = freshDir();
    const store = await openLevelStore(dir);
    try {
      const versions = [secret(), secret(), secret()];
      await fill(store, 'aaa', 20_000);
      await store.kv.compact({ gte: 'a', lt: 'z' });
      for (const [index, version] of versions.entries()) {
        await store.kv.batch([{ type: 'put', key: 'acct/1', value: bytes(version) }]);
        await fill(store, `b${index}`, 8_000);
      }
      await erasing(store.kv, [keyRange('acct/1')], () => store.kv.clearRange({ gte: 'acct/1', lt: 'acct/1\u0000' }));
      for (const version of versions) assert.deepEqual(await searchBytes(dir, version), [], version);
    } finally {
      await store.close();
    }
  });

  test('compact() refuses a malformed range', async () => {
    const store = await openLevelStore(freshDir());
    try {
      await assert.rejects(store.kv.compact({ gte: '', lt: 'b' }), (error: unknown) => error instanceof StoreError && error.code === 'INVALID_ARGUMENT');
    } finally {
      await store.close();
    }
    await assert.rejects(store.kv.compact({ gte: 'a', lt: 'b' }), (error: unknown) => error instanceof StoreError && error.code === 'CLOSED');
  });
});

for (const backend of [
  { name: 'level', open: () => openLevelStore(freshDir()) },
  { name: 'memory', open: async () => openMemoryStore() },
]) {
  describe(`${backend.name}: blob holds`, () => {
    const write = async (store: Store, text: string) => {
      const writer = store.blobs.create();
      await writer.write(bytes(text));
      return writer.commit();
    };
    const read = async (iterable: AsyncIterable<Uint8Array>) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of iterable) chunks.push(chunk);
      return Buffer.concat(chunks).toString();
    };

    test('a blob deleted during a hold stays readable through it, and goes at release', async () => {
      const store = await backend.open();
      try {
        const before = await write(store, 'before the hold');
        const hold = store.blobs.hold();
        const during = await write(store, 'during the hold');
        await store.blobs.delete(before);
        await store.blobs.delete(during);
        await assert.rejects(read(store.blobs.read(before)), (error: unknown) => error instanceof StoreError && error.code === 'NOT_FOUND');
        assert.equal(await read(hold.read(before)), 'before the hold');
        assert.equal(await read(hold.read(during)), 'during the hold');
        const listed: string[] = [];
        for await (const id of store.blobs.list()) listed.push(id);
        assert.deepEqual(listed, [], 'held blobs are not live');
        await hold.release();
        await assert.rejects(read(hold.read(before)), (error: unknown) => error instanceof StoreError && error.code === 'NOT_FOUND');
      } finally {
        await store.close();
      }
    });

    test('held blobs go only when the last hold is released', async () => {
      const store = await backend.open();
      try {
        const id = await write(store, 'kept');
        const first = store.blobs.hold();
        const second = store.blobs.hold();
        await store.blobs.delete(id);
        await first.release();
        assert.equal(await read(second.read(id)), 'kept');
        await second.release();
        await assert.rejects(read(second.read(id)));
      } finally {
        await store.close();
      }
    });
  });
}

test('level: blobs held when the process stopped are gone at the next open', async () => {
  const dir = freshDir();
  let store = await openLevelStore(dir);
  const writer = store.blobs.create();
  await writer.write(bytes('left behind'));
  const id = await writer.commit();
  store.blobs.hold();
  await store.blobs.delete(id);
  await store.close();
  store = await openLevelStore(dir);
  const reading = async () => {
    for await (const _ of store.blobs.hold().read(id)) assert.fail('a blob held by a stopped process was read');
  };
  await assert.rejects(reading(), (error: unknown) => error instanceof StoreError && error.code === 'NOT_FOUND');
  await store.close();
});
