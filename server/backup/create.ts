// Taking a backup while the service runs. Consistency comes from two store primitives: a
// blob hold, taken first, keeps every blob deleted from then on readable; the key-value
// scan then reads one snapshot (the KvStore contract), so every blob that snapshot
// references can still be copied however long copying takes.
import { randomBytes, createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Store } from '../store/types.ts';
import { StoreError } from '../store/types.ts';
import { LineWriter, readLines, syncDirectory, writeFileDurably } from './files.ts';
import {
  BACKUP_FORMAT,
  BLOBS_FILE,
  DIRECTORY_MODE,
  EXCLUDED_PREFIXES,
  FILE_MODE,
  KV_FILE,
  MANIFEST_FILE,
  PARTIAL_PREFIX,
  POOL_DIRECTORY,
  backupIdFor,
  isExcluded,
  poolPath,
  type BackupManifest,
  type BlobLine,
} from './format.ts';
import { listBackups } from './catalog.ts';

/** keys.blobRefs(accountId, blobId): the blobs messages reference, one key each. */
const BLOB_REFERENCES_PREFIX = 'blobref/';
/** Blobs copied at once: reading and writing overlap, memory stays a few chunks per copy. */
const COPIES_AT_ONCE = 16;
/** fsyncs in flight at once: the file system commits them together instead of one by one. */
const SYNCS_AT_ONCE = 64;

export interface CreatedBackup {
  manifest: BackupManifest;
  /** Blobs copied into the pool by this backup (the others were there already). */
  newBlobs: number;
}

export async function createBackup(store: Store, directory: string, now: number): Promise<CreatedBackup> {
  await mkdir(join(directory, POOL_DIRECTORY), { recursive: true, mode: DIRECTORY_MODE });
  const id = backupIdFor(now, randomBytes(3).toString('hex'));
  const partial = join(directory, `${PARTIAL_PREFIX}${id}`);
  await mkdir(partial, { mode: DIRECTORY_MODE });
  const hold = store.blobs.hold();
  const kvWriter = await LineWriter.create(join(partial, KV_FILE));
  const blobWriter = await LineWriter.create(join(partial, BLOBS_FILE));
  try {
    // Blobs a record may name without a blobref key (the outbound queue's, say): those
    // listed now, before the snapshot, are in it or were deleted before it began.
    const blobIds = new Set<string>();
    for await (const blobId of store.blobs.list()) blobIds.add(blobId);
    const referenced = new Set<string>();
    for await (const [key, value] of store.kv.iterate({})) {
      if (isExcluded(key)) continue;
      await kvWriter.write({ k: key, v: Buffer.from(value).toString('base64') });
      if (key.startsWith(BLOB_REFERENCES_PREFIX)) referenced.add(key.slice(key.lastIndexOf('/') + 1));
    }
    const known = await knownBlobs(directory);
    const ids = [...new Set([...referenced, ...blobIds])].sort();
    const copies = await inParallel(ids, COPIES_AT_ONCE, (blobId) => copyToPool(directory, blobId, hold, known.get(blobId), referenced.has(blobId)));
    let newBlobs = 0;
    let blobBytes = 0;
    const written: string[] = [];
    for (const [index, copied] of copies.entries()) {
      if (!copied) continue;
      if (copied.isNew) {
        newBlobs += 1;
        written.push(poolPath(directory, ids[index]!));
      }
      blobBytes += copied.line.size;
      await blobWriter.write(copied.line);
    }
    // Durable before the manifest makes the backup count: the files, then their names.
    await inParallel(written, SYNCS_AT_ONCE, syncFile);
    await inParallel([...new Set(written.map((path) => dirname(path)))], SYNCS_AT_ONCE, syncDirectory);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      id,
      createdAt: now,
      kv: { entries: kvWriter.lines, bytes: 0, sha256: '' },
      blobs: { count: blobWriter.lines, bytes: blobBytes, sha256: '' },
      excludedPrefixes: [...EXCLUDED_PREFIXES],
    };
    manifest.kv.bytes = kvWriter.bytes;
    manifest.kv.sha256 = await kvWriter.finish();
    manifest.blobs.sha256 = await blobWriter.finish();
    await writeFileDurably(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await syncDirectory(partial);
    await rename(partial, join(directory, id));
    await syncDirectory(directory);
    return { manifest, newBlobs };
  } catch (error) {
    await Promise.all([kvWriter.abandon(), blobWriter.abandon()]);
    await rm(partial, { recursive: true, force: true });
    throw error;
  } finally {
    await hold.release();
  }
}

/** Size and hash of blobs already in the pool, from the newest complete backup, so a blob
 * is neither copied nor hashed twice. */
async function knownBlobs(directory: string): Promise<Map<string, BlobLine>> {
  const known = new Map<string, BlobLine>();
  const newest = (await listBackups(directory)).at(-1);
  if (!newest) return known;
  for await (const line of readLines<BlobLine>(join(directory, newest.id, BLOBS_FILE))) known.set(line.id, line);
  return known;
}

async function copyToPool(
  directory: string,
  blobId: string,
  hold: ReturnType<Store['blobs']['hold']>,
  known: BlobLine | undefined,
  referenced: boolean,
): Promise<{ line: BlobLine; isNew: boolean } | null> {
  const path = poolPath(directory, blobId);
  if (known) {
    const existing = await stat(path).catch(() => null);
    if (existing?.size === known.size) return { line: known, isNew: false };
  }
  await mkdir(dirname(path), { recursive: true, mode: DIRECTORY_MODE });
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, FILE_MODE);
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of hold.read(blobId)) {
      hash.update(chunk);
      size += chunk.byteLength;
      await handle.write(chunk);
    }
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    // Listed, but deleted before the hold began: its last reference was gone already.
    if (!referenced && error instanceof StoreError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
  return { line: { id: blobId, size, sha256: hash.digest('hex') }, isNew: true };
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Runs `work` on every item, `limit` at a time; results in the items' order. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
