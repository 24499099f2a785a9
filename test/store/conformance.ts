// The store conformance suite: the contract of server/store/types.ts, run against every
// backend (level.test.ts, memory.test.ts). A backend is correct when all of it passes.
//
// Key order contract: keys compare as the bytes of their UTF-8 encoding (= code point
// order). In particular '\uffff' sorts BEFORE every character beyond U+FFFF, so a prefix
// scan bounded by prefix + '\uffff' misses keys whose next character is an astral one.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BlobStore, KvOperation, KvStore, Store } from '../../server/store/types.ts';
import { StoreError } from '../../server/store/types.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

export interface StoreBackend {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<Store>;
  /** True when committed blobs live outside the JS heap, so writing a large blob must not
   * grow memory either (the in-memory backend necessarily holds the blob itself). */
  blobsOutsideMemory: boolean;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function keysIn(kv: KvStore, range: Parameters<KvStore['iterate']>[0]): Promise<string[]> {
  return (await collect(kv.iterate(range))).map(([key]) => key);
}

async function readAll(blobs: BlobStore, id: string, range?: { start?: number; end?: number }): Promise<Buffer> {
  return Buffer.concat(await collect(blobs.read(id, range)));
}

function isStoreError(code: StoreError['code'], message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  };
}

/** UTF-8 byte order, computed independently of the stores. */
function utf8Sorted(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/** Bytes of the patterned test blob at [offset, offset + length): position-dependent, so a
 * misplaced or repeated chunk changes the content. */
function patternBytes(offset: number, length: number): Uint8Array {
  const chunk = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    const position = offset + index;
    chunk[index] = (position * 31 + (position >>> 8) * 7 + (position >>> 16)) & 0xff;
  }
  return chunk;
}

let forcedGc: (() => void) | undefined;
/** A real garbage collection, so that measured memory is live memory only. */
function collectGarbage(): void {
  if (!forcedGc) {
    setFlagsFromString('--expose-gc');
    forcedGc = runInNewContext('gc') as () => void;
  }
  forcedGc();
}

function liveBufferBytes(): number {
  collectGarbage();
  return process.memoryUsage().arrayBuffers;
}

export function runStoreConformance(backend: StoreBackend): void {
  async function withStore(run: (store: Store) => Promise<void>): Promise<void> {
    const store = await backend.open();
    try {
      await run(store);
    } finally {
      await store.close();
    }
  }

  describe(`${backend.name}: key-value store`, () => {
    test('get, put and del', () =>
      withStore(async ({ kv }) => {
        assert.equal(await kv.get('absent'), undefined);
        await kv.batch([{ type: 'put', key: 'k', value: bytes('one') }]);
        assert.equal(text(await kv.get('k')), 'one');
        await kv.batch([{ type: 'put', key: 'k', value: bytes('two') }]);
        assert.equal(text(await kv.get('k')), 'two');
        await kv.batch([{ type: 'del', key: 'k' }]);
        assert.equal(await kv.get('k'), undefined);
        await kv.batch([{ type: 'del', key: 'never-there' }]);
        await kv.batch([]);
        const empty = new Uint8Array(0);
        await kv.batch([{ type: 'put', key: 'empty', value: empty }]);
        assert.deepEqual(await kv.get('empty'), new Uint8Array(0));
      }));

    test('values come back as plain Uint8Arrays', () =>
      withStore(async ({ kv }) => {
        await kv.batch([{ type: 'put', key: 'k', value: Buffer.from([1, 2, 3]) }]);
        assert.deepEqual(await kv.get('k'), new Uint8Array([1, 2, 3]));
        assert.deepEqual(await kv.getMany(['k']), [new Uint8Array([1, 2, 3])]);
        assert.deepEqual(await collect(kv.iterate({})), [['k', new Uint8Array([1, 2, 3])]]);
      }));

    test('getMany keeps the order of the keys asked for and reports missing ones', () =>
      withStore(async ({ kv }) => {
        await kv.batch([
          { type: 'put', key: 'a', value: bytes('A') },
          { type: 'put', key: 'c', value: bytes('C') },
        ]);
        const values = await kv.getMany(['c', 'b', 'a', 'c']);
        assert.deepEqual(values.map(text), ['C', undefined, 'A', 'C']);
        assert.deepEqual(await kv.getMany([]), []);
      }));

    test('a batch applies its operations in order: the last one on a key wins', () =>
      withStore(async ({ kv }) => {
        await kv.batch([
          { type: 'put', key: 'x', value: bytes('1') },
          { type: 'del', key: 'x' },
          { type: 'put', key: 'y', value: bytes('1') },
          { type: 'put', key: 'y', value: bytes('2') },
          { type: 'put', key: 'z', value: bytes('1') },
          { type: 'del', key: 'z' },
          { type: 'put', key: 'z', value: bytes('3') },
        ]);
        assert.deepEqual((await kv.getMany(['x', 'y', 'z'])).map(text), [undefined, '2', '3']);
      }));

    test('a large batch is seen entirely or not at all while it is being written', () =>
      withStore(async ({ kv }) => {
        const size = 2000;
        const operations: KvOperation[] = Array.from({ length: size }, (_, index) => ({
          type: 'put',
          key: `atomic/${String(index).padStart(5, '0')}`,
          value: bytes(`value ${index}`),
        }));
        let settled = false;
        const writing = kv.batch(operations).finally(() => {
          settled = true;
        });
        while (!settled) {
          const count = (await keysIn(kv, { gte: 'atomic/', lt: 'atomic0' })).length;
          assert.ok(count === 0 || count === size, `saw ${count} of ${size} keys of one batch`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        await writing;
        assert.equal((await keysIn(kv, { gte: 'atomic/', lt: 'atomic0' })).length, size);
      }));

    test('a batch with one invalid operation is refused whole', () =>
      withStore(async ({ kv }) => {
        const operations = [
          { type: 'put', key: 'first', value: bytes('1') },
          { type: 'put', key: 'second', value: 'not bytes' },
        ] as unknown as KvOperation[];
        await assert.rejects(kv.batch(operations), isStoreError('INVALID_ARGUMENT'));
        await assert.rejects(
          kv.batch([
            { type: 'put', key: 'a', value: bytes('1') },
            { type: 'rename', key: 'b' },
          ] as unknown as KvOperation[]),
          isStoreError('INVALID_ARGUMENT'),
        );
        await assert.rejects(kv.batch('nope' as unknown as KvOperation[]), isStoreError('INVALID_ARGUMENT'));
        assert.deepEqual(await keysIn(kv, {}), []);
      }));

    test('range scans honour gte, lt, reverse and limit', () =>
      withStore(async ({ kv }) => {
        const all = Array.from({ length: 100 }, (_, index) => `r/${String(index).padStart(3, '0')}`);
        await kv.batch(shuffled(all, 1).map((key) => ({ type: 'put', key, value: bytes(key) })));
        assert.deepEqual(await keysIn(kv, {}), all);
        assert.deepEqual(await keysIn(kv, { gte: 'r/010', lt: 'r/015' }), all.slice(10, 15));
        assert.deepEqual(await keysIn(kv, { gte: 'r/010', lt: 'r/015', reverse: true }), all.slice(10, 15).reverse());
        assert.deepEqual(await keysIn(kv, { gte: 'r/010', limit: 3 }), all.slice(10, 13));
        assert.deepEqual(await keysIn(kv, { lt: 'r/010', reverse: true, limit: 3 }), ['r/009', 'r/008', 'r/007']);
        assert.deepEqual(await keysIn(kv, { gte: 'r/0095' }), all.slice(10));
        assert.deepEqual(await keysIn(kv, { gte: 'r/050', lt: 'r/050' }), []);
        assert.deepEqual(await keysIn(kv, { gte: 'r/060', lt: 'r/050' }), []);
        assert.deepEqual(await keysIn(kv, { limit: 0 }), []);
        assert.deepEqual(await keysIn(kv, { limit: Infinity }), all);
        assert.deepEqual(await keysIn(kv, { gte: 's' }), []);
        const entries = await collect(kv.iterate({ gte: 'r/042', limit: 1 }));
        assert.deepEqual(
          entries.map(([key, value]) => [key, text(value)]),
          [['r/042', 'r/042']],
        );
      }));

    test('invalid keys and ranges are refused with INVALID_ARGUMENT', () =>
      withStore(async ({ kv }) => {
        const invalid = isStoreError('INVALID_ARGUMENT');
        await assert.rejects(kv.get(''), invalid);
        await assert.rejects(kv.get(42 as unknown as string), invalid);
        // A lone surrogate cannot be encoded in UTF-8: it would silently become U+FFFD.
        await assert.rejects(kv.get('a\ud800'), invalid);
        await assert.rejects(kv.batch([{ type: 'put', key: 'b\udc00', value: bytes('x') }]), invalid);
        await assert.rejects(kv.getMany(['ok', '\ud83d']), invalid);
        await assert.rejects(collect(kv.iterate({ limit: -1 })), invalid);
        await assert.rejects(collect(kv.iterate({ limit: 1.5 })), invalid);
        await assert.rejects(collect(kv.iterate({ gte: '\udfff' })), invalid);
        await assert.rejects(kv.clearRange({ gte: 'a' } as unknown as { gte: string; lt: string }), invalid);
      }));

    test('keys sort by their UTF-8 bytes, including NUL, U+FFFF and astral characters', () =>
      withStore(async ({ kv }) => {
        const keys = [
          'a',
          'a\u0000',
          'a\u0000b',
          'a\u0001',
          'a\u007f',
          'a\u0080',
          'a\u00e9',
          'a\u00ff',
          'a\u0100',
          'a\u07ff',
          'a\u0800',
          'a\ud7ff',
          'a\ue000',
          'a\uffef',
          'a\uffff',
          'a\uffff\uffff',
          'a\u{10000}',
          'a\u{1f600}',
          'a\u{10ffff}',
          'ab',
          'b',
          '\u00e9t\u00e9',
          '\u65e5\u672c',
          '\u{1f4e8}',
        ];
        await kv.batch(shuffled(keys, 2).map((key) => ({ type: 'put', key, value: bytes(key) })));
        const expected = utf8Sorted(keys);
        assert.deepEqual(await keysIn(kv, {}), expected);
        assert.deepEqual(await keysIn(kv, { reverse: true }), [...expected].reverse());
        // Round trip: every key reads back exactly.
        for (const key of keys) assert.equal(text(await kv.get(key)), key);
        // '\uffff' is below every astral character in UTF-8 order (EF BF BF < F0 ...).
        assert.deepEqual(await keysIn(kv, { gte: 'a\uffff', lt: 'a\u{10000}' }), ['a\uffff', 'a\uffff\uffff']);
        assert.ok(!(await keysIn(kv, { gte: 'a', lt: 'a\uffff' })).includes('a\u{1f600}'));
        // NUL is an ordinary byte, the smallest.
        assert.deepEqual(await keysIn(kv, { gte: 'a', lt: 'a\u0001' }), ['a', 'a\u0000', 'a\u0000b']);
      }));

    test('a scan sees the snapshot taken when it began', () =>
      withStore(async ({ kv }) => {
        const original = Array.from({ length: 600 }, (_, index) => `s/${String(index).padStart(4, '0')}`);
        await kv.batch(original.map((key) => ({ type: 'put', key, value: bytes(`old ${key}`) })));
        const iterator = kv.iterate({ gte: 's/', lt: 's0' })[Symbol.asyncIterator]();
        const first = await iterator.next();
        assert.equal(first.done, false);
        await kv.batch([
          ...original.map((key): KvOperation => ({ type: 'put', key, value: bytes(`new ${key}`) })),
          ...original.slice(300).map((key): KvOperation => ({ type: 'del', key })),
          { type: 'put', key: 's/0000a', value: bytes('inserted') },
          { type: 'put', key: 's/9999', value: bytes('inserted') },
        ]);
        const seen: [string, string | undefined][] = [[first.value[0], text(first.value[1])]];
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          seen.push([next.value[0], text(next.value[1])]);
        }
        assert.deepEqual(
          seen,
          original.map((key) => [key, `old ${key}`]),
        );
        assert.equal((await keysIn(kv, { gte: 's/', lt: 's0' })).length, 302);
      }));

    test('clearRange deletes exactly [gte, lt)', () =>
      withStore(async ({ kv }) => {
        const keys = Array.from({ length: 26 }, (_, index) => String.fromCharCode(97 + index));
        await kv.batch(keys.map((key) => ({ type: 'put', key, value: bytes(key) })));
        await kv.clearRange({ gte: 'c', lt: 'f' });
        assert.deepEqual(
          await keysIn(kv, {}),
          keys.filter((key) => key < 'c' || key >= 'f'),
        );
        await kv.clearRange({ gte: 'c', lt: 'f' });
        await kv.clearRange({ gte: 'q', lt: 'p' });
        assert.equal((await keysIn(kv, {})).length, 23);
        const logs = Array.from({ length: 5000 }, (_, index) => `log/2024-01-0${1 + (index % 3)}/${String(index).padStart(6, '0')}`);
        await kv.batch(logs.map((key) => ({ type: 'put', key, value: bytes('entry') })));
        await kv.clearRange({ gte: 'log/2024-01-01/', lt: 'log/2024-01-02/' });
        const left = await keysIn(kv, { gte: 'log/', lt: 'log0' });
        assert.deepEqual(left, logs.filter((key) => !key.startsWith('log/2024-01-01/')).sort());
      }));

    test('concurrent batches are all applied, in call order', () =>
      withStore(async ({ kv }) => {
        const writers = 300;
        await Promise.all(
          Array.from({ length: writers }, (_, writer) =>
            kv.batch([
              { type: 'put', key: `c/${String(writer).padStart(4, '0')}/a`, value: bytes(`${writer}`) },
              { type: 'put', key: `c/${String(writer).padStart(4, '0')}/b`, value: bytes(`${writer}`) },
              { type: 'put', key: 'c/last', value: bytes(`${writer}`) },
            ]),
          ),
        );
        assert.equal((await keysIn(kv, { gte: 'c/', lt: 'c0' })).length, writers * 2 + 1);
        assert.equal(text(await kv.get('c/last')), `${writers - 1}`);
        // An invalid batch among valid concurrent ones fails alone.
        const results = await Promise.allSettled([
          kv.batch([{ type: 'put', key: 'd/1', value: bytes('1') }]),
          kv.batch([{ type: 'put', key: '', value: bytes('2') }]),
          kv.batch([{ type: 'put', key: 'd/3', value: bytes('3') }]),
        ]);
        assert.deepEqual(
          results.map((result) => result.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        assert.deepEqual(await keysIn(kv, { gte: 'd/', lt: 'd0' }), ['d/1', 'd/3']);
      }));

    test('values are copies in both directions', () =>
      withStore(async ({ kv }) => {
        const value = new Uint8Array([1, 2, 3]);
        const operations: KvOperation[] = [{ type: 'put', key: 'v', value }];
        const writing = kv.batch(operations);
        value[0] = 99;
        operations.length = 0;
        await writing;
        const read = await kv.get('v');
        assert.deepEqual(read, new Uint8Array([1, 2, 3]));
        (read as Uint8Array)[1] = 99;
        const [fromMany] = await kv.getMany(['v']);
        (fromMany as Uint8Array)[2] = 99;
        for await (const [, scanned] of kv.iterate({})) scanned[0] = 77;
        assert.deepEqual(await kv.get('v'), new Uint8Array([1, 2, 3]));
      }));

    test('100,000 keys: paged range scans stay exact', { timeout: 60_000 }, () =>
      withStore(async ({ kv }) => {
        const total = 100_000;
        const key = (index: number) => `big/${String(index).padStart(6, '0')}`;
        const order = shuffled(
          Array.from({ length: total }, (_, index) => index),
          3,
        );
        for (let start = 0; start < total; start += 5000) {
          await kv.batch(order.slice(start, start + 5000).map((index) => ({ type: 'put', key: key(index), value: bytes(String(index)) })));
        }
        for (let probe = 0; probe < 200; probe++) {
          const from = (probe * 499) % (total - 100);
          const page = await keysIn(kv, { gte: key(from), limit: 50 });
          assert.deepEqual(
            page,
            Array.from({ length: 50 }, (_, offset) => key(from + offset)),
          );
        }
        const tail = await keysIn(kv, { gte: 'big/', lt: 'big0', reverse: true, limit: 3 });
        assert.deepEqual(tail, [key(total - 1), key(total - 2), key(total - 3)]);
        assert.equal((await keysIn(kv, { gte: 'big/', lt: 'big0' })).length, total);
      }),
    );
  });

  describe(`${backend.name}: blob store`, () => {
    test('a blob written in pieces reads back whole, with its size', () =>
      withStore(async ({ blobs }) => {
        const writer = blobs.create();
        const pieces = [patternBytes(0, 10), patternBytes(10, 70_000), patternBytes(70_010, 1), patternBytes(70_011, 130_000)];
        for (const piece of pieces) await writer.write(piece);
        assert.equal(writer.bytesWritten, 200_011);
        const id = await writer.commit();
        assert.match(id, /^[A-Za-z0-9_-]+$/, 'blob ids are URL-safe');
        assert.equal(await blobs.size(id), 200_011);
        assert.deepEqual(await readAll(blobs, id), Buffer.from(patternBytes(0, 200_011)));
        for await (const chunk of blobs.read(id)) assert.ok(chunk instanceof Uint8Array && chunk.length > 0);
      }));

    test('an empty blob is a blob', () =>
      withStore(async ({ blobs }) => {
        const id = await blobs.create().commit();
        assert.equal(await blobs.size(id), 0);
        assert.deepEqual(await collect(blobs.read(id)), []);
        assert.deepEqual(await blobs.readRange(id, 0, 10), new Uint8Array(0));
      }));

    test('read streams any [start, end) range, clamped to the blob', () =>
      withStore(async ({ blobs }) => {
        const size = 150_000;
        const writer = blobs.create();
        await writer.write(patternBytes(0, size));
        const id = await writer.commit();
        const expect = (start: number, end: number) => Buffer.from(patternBytes(start, Math.max(0, Math.min(end, size) - start)));
        for (const [start, end] of [
          [0, size],
          [0, 1],
          [1, 2],
          [65_535, 65_537],
          [65_536, 131_072],
          [100, 149_999],
          [size - 1, size],
          [size, size],
          [0, 0],
          [5, 5],
          [size - 10, size + 1000],
        ] as const) {
          assert.deepEqual(await readAll(blobs, id, { start, end }), expect(start, end), `range [${start}, ${end})`);
        }
        assert.deepEqual(await readAll(blobs, id, { start: 140_000 }), expect(140_000, size));
        assert.deepEqual(await readAll(blobs, id, { end: 10 }), expect(0, 10));
        assert.deepEqual(await readAll(blobs, id, { start: size + 5 }), Buffer.alloc(0));
        await assert.rejects(readAll(blobs, id, { start: 10, end: 5 }), isStoreError('INVALID_ARGUMENT'));
        await assert.rejects(readAll(blobs, id, { start: -1 }), isStoreError('INVALID_ARGUMENT'));
      }));

    test('readRange reads exactly, or fewer bytes at the end', () =>
      withStore(async ({ blobs }) => {
        const size = 100_000;
        const writer = blobs.create();
        await writer.write(patternBytes(0, size));
        const id = await writer.commit();
        assert.deepEqual(await blobs.readRange(id, 0, 10), patternBytes(0, 10));
        assert.deepEqual(await blobs.readRange(id, 65_530, 20), patternBytes(65_530, 20));
        assert.deepEqual(await blobs.readRange(id, size - 5, 5), patternBytes(size - 5, 5));
        assert.deepEqual(await blobs.readRange(id, size - 5, 50), patternBytes(size - 5, 5));
        assert.deepEqual(await blobs.readRange(id, size, 50), new Uint8Array(0));
        assert.deepEqual(await blobs.readRange(id, size + 50, 50), new Uint8Array(0));
        assert.deepEqual(await blobs.readRange(id, 10, 0), new Uint8Array(0));
        assert.deepEqual(await blobs.readRange(id, 0, Number.MAX_SAFE_INTEGER), patternBytes(0, size));
        await assert.rejects(blobs.readRange(id, -1, 5), isStoreError('INVALID_ARGUMENT'));
        await assert.rejects(blobs.readRange(id, 0, 0.5), isStoreError('INVALID_ARGUMENT'));
      }));

    test('unknown and malformed ids', () =>
      withStore(async ({ blobs }) => {
        const unknown = 'ab'.repeat(20);
        await assert.rejects(blobs.size(unknown), isStoreError('NOT_FOUND'));
        await assert.rejects(blobs.readRange(unknown, 0, 1), isStoreError('NOT_FOUND'));
        await assert.rejects(collect(blobs.read(unknown)), isStoreError('NOT_FOUND'));
        await blobs.delete(unknown);
        for (const malformed of ['../../etc/passwd', '', 'AB'.repeat(20), `${unknown}/x`, 'ab'.repeat(21)]) {
          await assert.rejects(blobs.size(malformed), isStoreError('INVALID_ARGUMENT'));
          await assert.rejects(collect(blobs.read(malformed)), isStoreError('INVALID_ARGUMENT'));
          await assert.rejects(blobs.delete(malformed), isStoreError('INVALID_ARGUMENT'));
        }
      }));

    test('delete removes a blob; list names exactly the committed blobs', () =>
      withStore(async ({ blobs }) => {
        const ids: string[] = [];
        for (let index = 0; index < 20; index++) {
          const writer = blobs.create();
          await writer.write(bytes(`blob ${index}`));
          ids.push(await writer.commit());
        }
        assert.equal(new Set(ids).size, 20, 'ids are unique');
        const pending = blobs.create();
        await pending.write(bytes('not committed yet'));
        assert.deepEqual((await collect(blobs.list())).sort(), [...ids].sort());
        const [gone, ...kept] = ids as [string, ...string[]];
        await blobs.delete(gone);
        await blobs.delete(gone);
        await assert.rejects(blobs.size(gone), isStoreError('NOT_FOUND'));
        assert.deepEqual((await collect(blobs.list())).sort(), [...kept].sort());
        assert.equal(Buffer.from(await blobs.readRange(kept[0] as string, 0, 100)).toString(), 'blob 1');
        await pending.abort();
      }));

    test('abort leaves nothing behind and ends the writer', () =>
      withStore(async ({ blobs }) => {
        const before = await collect(blobs.list());
        const writer = blobs.create();
        await writer.write(patternBytes(0, 300_000));
        await writer.abort();
        await writer.abort();
        assert.deepEqual(await collect(blobs.list()), before);
        await assert.rejects(writer.write(bytes('more')), isStoreError('CLOSED'));
        await assert.rejects(writer.commit(), isStoreError('CLOSED'));
        const committed = blobs.create();
        await committed.write(bytes('kept'));
        const id = await committed.commit();
        await committed.abort();
        assert.equal(await blobs.size(id), 4);
        await assert.rejects(committed.commit(), isStoreError('CLOSED'));
        await assert.rejects(committed.write(bytes('x')), isStoreError('CLOSED'));
      }));

    test('written and read chunks are copies', () =>
      withStore(async ({ blobs }) => {
        const writer = blobs.create();
        const chunk = new Uint8Array([1, 2, 3]);
        await writer.write(chunk);
        chunk.fill(9);
        await writer.write(chunk);
        const id = await writer.commit();
        for await (const read of blobs.read(id)) read.fill(0);
        (await blobs.readRange(id, 0, 6)).fill(0);
        assert.deepEqual(await blobs.readRange(id, 0, 6), new Uint8Array([1, 2, 3, 9, 9, 9]));
      }));

    test('concurrent commits all land, each with its own content', () =>
      withStore(async ({ blobs }) => {
        const ids = await Promise.all(
          Array.from({ length: 64 }, async (_, index) => {
            const writer = blobs.create();
            await writer.write(patternBytes(index * 1000, 20_000 + index));
            return writer.commit();
          }),
        );
        for (const [index, id] of ids.entries()) {
          assert.deepEqual(await readAll(blobs, id), Buffer.from(patternBytes(index * 1000, 20_000 + index)));
        }
      }));

    test('compact keeps every live blob and never revives a deleted one', () =>
      withStore(async ({ blobs }) => {
        const ids: string[] = [];
        for (let index = 0; index < 30; index++) {
          const writer = blobs.create();
          await writer.write(patternBytes(index * 100, 30_000));
          ids.push(await writer.commit());
        }
        const kept = ids.filter((_, index) => index % 5 === 0);
        for (const id of ids) if (!kept.includes(id)) await blobs.delete(id);
        const report = await blobs.compact();
        assert.ok(Number.isSafeInteger(report.blobsMoved) && report.blobsMoved >= 0 && report.blobsMoved <= kept.length);
        assert.ok(Number.isSafeInteger(report.bytesReclaimed) && report.bytesReclaimed >= 0);
        assert.deepEqual((await collect(blobs.list())).sort(), [...kept].sort());
        for (const id of kept) assert.deepEqual(await readAll(blobs, id), Buffer.from(patternBytes(ids.indexOf(id) * 100, 30_000)));
        await assert.rejects(blobs.size(ids[1] as string), isStoreError('NOT_FOUND'));
      }));

    test('a 20 MB blob streams through in bounded memory', { timeout: 60_000 }, () =>
      withStore(async ({ blobs }) => {
        const size = 20 * 1024 * 1024;
        const pieceBytes = 64 * 1024;
        const piece = patternBytes(0, pieceBytes);
        // Memory may grow by a few chunks in flight, never by anything near the blob's size.
        const allowedGrowth = 8 * 1024 * 1024;
        const sampleEvery = 32;

        const writeBaseline = liveBufferBytes();
        let writePeak = 0;
        const written = createHash('sha256');
        const writer = blobs.create();
        for (let index = 0; index < size / pieceBytes; index++) {
          piece[0] = index & 0xff;
          piece[1] = index >>> 8;
          written.update(piece);
          await writer.write(piece);
          if (index % sampleEvery === 0) writePeak = Math.max(writePeak, liveBufferBytes() - writeBaseline);
        }
        const id = await writer.commit();
        assert.equal(await blobs.size(id), size);
        if (backend.blobsOutsideMemory) assert.ok(writePeak < allowedGrowth, `writing grew memory by ${writePeak} bytes`);

        const readBaseline = liveBufferBytes();
        let readPeak = 0;
        let chunks = 0;
        const read = createHash('sha256');
        for await (const chunk of blobs.read(id)) {
          read.update(chunk);
          if (++chunks % sampleEvery === 0) readPeak = Math.max(readPeak, liveBufferBytes() - readBaseline);
        }
        assert.ok(chunks >= sampleEvery * 4, 'the blob arrived as a stream of chunks');
        assert.ok(readPeak < allowedGrowth, `reading grew memory by ${readPeak} bytes`);
        assert.equal(read.digest('hex'), written.digest('hex'));
        await blobs.delete(id);
      }),
    );
  });

  describe(`${backend.name}: after close`, () => {
    test('every operation fails with CLOSED', async () => {
      const store = await backend.open();
      const writer = store.blobs.create();
      await writer.write(bytes('unfinished'));
      const committedWriter = store.blobs.create();
      await committedWriter.write(bytes('finished'));
      const id = await committedWriter.commit();
      await store.close();
      await store.close();
      const closed = isStoreError('CLOSED');
      await assert.rejects(store.kv.get('k'), closed);
      await assert.rejects(store.kv.getMany(['k']), closed);
      await assert.rejects(store.kv.batch([{ type: 'put', key: 'k', value: bytes('v') }]), closed);
      await assert.rejects(collect(store.kv.iterate({})), closed);
      await assert.rejects(store.kv.clearRange({ gte: 'a', lt: 'b' }), closed);
      assert.throws(() => store.blobs.create(), closed);
      await assert.rejects(writer.write(bytes('more')), closed);
      await assert.rejects(writer.commit(), closed);
      await assert.rejects(collect(store.blobs.read(id)), closed);
      await assert.rejects(store.blobs.readRange(id, 0, 1), closed);
      await assert.rejects(store.blobs.size(id), closed);
      await assert.rejects(store.blobs.delete(id), closed);
      await assert.rejects(collect(store.blobs.list()), closed);
      await assert.rejects(store.blobs.compact(), closed);
    });

    test('a scan interrupted by close fails with CLOSED instead of going on', async () => {
      const store = await backend.open();
      await store.kv.batch(Array.from({ length: 50 }, (_, index) => ({ type: 'put', key: `k${index}`, value: bytes('v') })));
      const iterator = store.kv.iterate({})[Symbol.asyncIterator]();
      await iterator.next();
      await store.close();
      await assert.rejects(iterator.next(), isStoreError('CLOSED'));
    });

    test('batches accepted before close are written', async () => {
      const store = await backend.open();
      const writes = Array.from({ length: 20 }, (_, index) => store.kv.batch([{ type: 'put', key: `w${index}`, value: bytes('v') }]));
      await store.close();
      await Promise.all(writes);
    });
  });
}
