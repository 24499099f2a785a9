// Storage benchmark: how many durable writes per second each layout sustains with C
// concurrent writers. It decided between one file per message body and an append-only log
// (the log won, 7,300 against 1,800 commits/s at C = 8: docs/benchmarks.md; the one-file
// store was removed since), and shows what group commit buys. Every write is acknowledged
// only once fsynced.
//
//   node --import tsx scripts/bench-store.ts             (UV_THREADPOOL_SIZE=16 node ... to compare)
//   BENCH_SECONDS=5 node --import tsx scripts/bench-store.ts
//
// (a) LevelDB sync batches of one 4 KiB value: through LevelKvStore (group commit) and with
//     raw concurrent db.batch({ sync: true }) calls (LevelDB's own writer queue only)
// (c) a raw append-only log of 20 KB records with group commit (one fdatasync per group)
// (f) LogBlobStore commits of 20 KB blobs (the default: segment log, group commit, index
//     batches in LevelDB behind the commits)
// (d) a whole message as the core would store it: 20 KB blob commit, then a 1 KiB record
//     batch
// (e) for comparison, 20 KB values in LevelDB itself (its log is an append log too)

import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { GroupCommitter } from '../server/store/group-commit.ts';
import { LevelKvStore } from '../server/store/level/kv.ts';
import { LogBlobStore } from '../server/store/log/blobs.ts';
import { BLOB_LOG_INDEX_PREFIX, openLevelStore } from '../server/store/open.ts';

/** Long enough to average over many fsync groups and a LevelDB memtable flush or two,
 * short enough that the whole run stays under a minute. */
const SECONDS_PER_CASE = Number(process.env.BENCH_SECONDS ?? 2);
const CONCURRENCY = [1, 8, 32];
/** A message record (flags, sizes, sealed key, encrypted envelope) is a few KiB at most. */
const RECORD_BYTES = 4 * 1024;
/** The message index record of case (d): ids, flags, dates and a sealed content key. */
const INDEX_RECORD_BYTES = 1024;
/** The target workload: 20 KB messages (the SMTP path must acknowledge 1,000 of them durably per second). */
const MESSAGE_BYTES = 20_000;

interface Result {
  operationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Process CPU time (main thread and thread pool) per write: on a shared 2-core machine
   * this is the cost the write path takes from TLS, crypto and parsing, and it is less
   * disturbed by other load than the rate is. */
  cpuMicrosecondsPerOperation: number;
}

/** Runs `operation` in `concurrency` loops for SECONDS_PER_CASE; each call is one write. */
async function measure(concurrency: number, operation: (n: number) => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + SECONDS_PER_CASE * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const begun = performance.now();
        await operation(next++);
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    operationsPerSecond: latencies.length / elapsedSeconds,
    p50Ms: percentile(0.5),
    p99Ms: percentile(0.99),
    cpuMicrosecondsPerOperation: (cpu.user + cpu.system) / Math.max(1, latencies.length),
  };
}

function report(label: string, concurrency: number, result: Result): void {
  const rate = Math.round(result.operationsPerSecond).toString().padStart(7);
  console.log(
    `${label.padEnd(46)} C=${String(concurrency).padEnd(3)} ${rate} /s   p50 ${result.p50Ms.toFixed(2).padStart(6)} ms` +
      `   p99 ${result.p99Ms.toFixed(2).padStart(6)} ms   cpu ${Math.round(result.cpuMicrosecondsPerOperation).toString().padStart(5)} µs/op`,
  );
}

const key = (n: number) => `bench/${String(n).padStart(10, '0')}`;

async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sealpost-bench-store-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function levelGroupCommit(concurrency: number, valueBytes: number): Promise<Result> {
  return withTempDir(async (dir) => {
    const kv = await LevelKvStore.open(dir);
    const value = randomBytes(valueBytes);
    try {
      return await measure(concurrency, (n) => kv.batch([{ type: 'put', key: key(n), value }]));
    } finally {
      await kv.close();
    }
  });
}

async function levelRawSync(concurrency: number): Promise<Result> {
  return withTempDir(async (dir) => {
    const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    const value = randomBytes(RECORD_BYTES);
    try {
      return await measure(concurrency, (n) => db.batch([{ type: 'put', key: key(n), value }], { sync: true }));
    } finally {
      await db.close();
    }
  });
}

async function logBlobs(concurrency: number): Promise<Result> {
  return withTempDir(async (dir) => {
    const kv = await LevelKvStore.open(join(dir, 'kv'));
    const blobs = await LogBlobStore.open({ directory: join(dir, 'blob-log'), index: kv, indexPrefix: BLOB_LOG_INDEX_PREFIX });
    const body = randomBytes(MESSAGE_BYTES);
    try {
      return await measure(concurrency, async () => {
        const writer = blobs.create();
        await writer.write(body);
        await writer.commit();
      });
    } finally {
      await blobs.close();
      await kv.close();
    }
  });
}

async function appendLog(concurrency: number): Promise<Result> {
  return withTempDir(async (dir) => {
    const log = await open(join(dir, 'messages.log'), 'a', 0o600);
    const appends = new GroupCommitter<Uint8Array>(async (records) => {
      const { bytesWritten } = await log.writev(records);
      if (bytesWritten !== records.length * MESSAGE_BYTES) throw new Error('short append to the benchmark log');
      await log.datasync();
    });
    const record = randomBytes(MESSAGE_BYTES);
    try {
      return await measure(concurrency, () => appends.submit(record));
    } finally {
      await appends.idle();
      await log.close();
    }
  });
}

async function wholeMessage(concurrency: number): Promise<Result> {
  return withTempDir(async (dir) => {
    const store = await openLevelStore(dir);
    const body = randomBytes(MESSAGE_BYTES);
    const record = randomBytes(INDEX_RECORD_BYTES);
    try {
      return await measure(concurrency, async (n) => {
        const writer = store.blobs.create();
        await writer.write(body);
        await writer.commit();
        await store.kv.batch([{ type: 'put', key: key(n), value: record }]);
      });
    } finally {
      await store.close();
    }
  });
}

console.log(`UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, ${SECONDS_PER_CASE} s per case, temp dirs in ${tmpdir()}`);
const cases: [string, (concurrency: number) => Promise<Result>][] = [
  ['(a) LevelDB 4 KiB sync batch, group commit', (concurrency) => levelGroupCommit(concurrency, RECORD_BYTES)],
  ['(a) LevelDB 4 KiB sync batch, no group commit', levelRawSync],
  ['(c) append log 20 KB, group commit', appendLog],
  ['(f) log blob 20 KB (BlobStore commit, default)', logBlobs],
  ['(d) message: 20 KB log blob + 1 KiB record', wholeMessage],
  ['(e) LevelDB 20 KB sync batch, group commit', (concurrency) => levelGroupCommit(concurrency, MESSAGE_BYTES)],
];
for (const [label, run] of cases) {
  for (const concurrency of CONCURRENCY) report(label, concurrency, await run(concurrency));
}
