// Reading the backup directory: which backups exist, whether one is intact, and removing
// those past the retention period together with the pool blobs no backup names any more,
// which is what makes a deleted account disappear from every backup (docs/design.md promise 8).
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DAY_MS } from '../core/calendar.ts';
import { readLines, sha256OfFile, syncDirectory } from './files.ts';
import {
  BACKUP_FORMAT,
  BLOBS_FILE,
  KV_FILE,
  MANIFEST_FILE,
  PARTIAL_PREFIX,
  POOL_DIRECTORY,
  isBackupId,
  poolPath,
  type BackupManifest,
  type BlobLine,
} from './format.ts';

export class BackupError extends Error {
  constructor(
    readonly code: 'BACKUP_NONEXISTENT' | 'BACKUP_INVALID' | 'BACKUP_CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

/** Complete backups, oldest first. */
export async function listBackups(directory: string): Promise<BackupManifest[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const manifests: BackupManifest[] = [];
  for (const name of names.filter(isBackupId).sort()) {
    const manifest = await readManifest(directory, name).catch(() => null);
    if (manifest) manifests.push(manifest);
  }
  return manifests;
}

export async function readManifest(directory: string, id: string): Promise<BackupManifest> {
  if (!isBackupId(id)) throw new BackupError('BACKUP_NONEXISTENT', `"${id}" is not a backup id (e.g. 20260102T033000Z-a1b2c3)`);
  let text: string;
  try {
    text = await readFile(join(directory, id, MANIFEST_FILE), 'utf8');
  } catch {
    throw new BackupError('BACKUP_NONEXISTENT', `no complete backup ${id} in ${directory}`);
  }
  const manifest = JSON.parse(text) as BackupManifest;
  if (manifest.format !== BACKUP_FORMAT || manifest.id !== id) throw new BackupError('BACKUP_INVALID', `backup ${id} has a foreign manifest`);
  return manifest;
}

export interface Verification {
  id: string;
  ok: boolean;
  problems: string[];
  blobsChecked: number;
}

/** Rehashes the records and every blob the backup names. */
export async function verifyBackup(directory: string, id: string): Promise<Verification> {
  const manifest = await readManifest(directory, id);
  const problems: string[] = [];
  for (const [file, expected] of [
    [KV_FILE, manifest.kv],
    [BLOBS_FILE, manifest.blobs],
  ] as const) {
    const actual = await sha256OfFile(join(directory, id, file)).catch(() => null);
    if (!actual) problems.push(`${file} is missing`);
    else if (actual.sha256 !== expected.sha256) problems.push(`${file} does not match its checksum`);
  }
  let blobsChecked = 0;
  if (!problems.some((problem) => problem.startsWith(BLOBS_FILE))) {
    for await (const line of readLines<BlobLine>(join(directory, id, BLOBS_FILE))) {
      blobsChecked += 1;
      const actual = await sha256OfFile(poolPath(directory, line.id)).catch(() => null);
      if (!actual) problems.push(`blob ${line.id} is missing from the pool`);
      else if (actual.bytes !== line.size || actual.sha256 !== line.sha256) problems.push(`blob ${line.id} is damaged`);
    }
  }
  return { id, ok: problems.length === 0, problems, blobsChecked };
}

export interface Pruning {
  backups: string[];
  poolBlobs: number;
}

/** Backups whose age reached the retention period: removed (or only listed when `dryRun`),
 * then the pool blobs no remaining backup names, and leftovers of interrupted backups. */
export async function pruneBackups(directory: string, now: number, retentionDays: number, dryRun: boolean): Promise<Pruning> {
  const all = await listBackups(directory);
  const expired = all.filter((manifest) => manifest.createdAt + retentionDays * DAY_MS <= now).map((manifest) => manifest.id);
  const kept = all.filter((manifest) => !expired.includes(manifest.id));
  const named = new Set<string>();
  for (const manifest of kept) {
    for await (const line of readLines<BlobLine>(join(directory, manifest.id, BLOBS_FILE))) named.add(line.id);
  }
  const unnamed: string[] = [];
  for (const fanOut of await readdir(join(directory, POOL_DIRECTORY)).catch(() => [] as string[])) {
    for (const name of await readdir(join(directory, POOL_DIRECTORY, fanOut))) {
      if (!named.has(name)) unnamed.push(join(directory, POOL_DIRECTORY, fanOut, name));
    }
  }
  if (!dryRun) {
    for (const id of expired) await rm(join(directory, id), { recursive: true, force: true });
    for (const path of unnamed) await rm(path, { force: true });
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      if (name.startsWith(PARTIAL_PREFIX)) await rm(join(directory, name), { recursive: true, force: true });
    }
    if ((await stat(directory).catch(() => null))?.isDirectory()) await syncDirectory(directory);
  }
  return { backups: expired, poolBlobs: unnamed.length };
}
