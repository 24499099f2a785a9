// The backup directory. Everything in it is as the live store holds it: records (clear
// metadata, docs/design.md promise 1) and ciphertext; no key that opens a message is added.
//
//   <dir>/<id>/manifest.json   written last: a backup without one is incomplete
//   <dir>/<id>/kv.jsonl        every key-value entry of the snapshot but the excluded
//                              prefixes, in key order, one {"k", "v"(base64)} per line
//   <dir>/<id>/blobs.jsonl     the blobs of the snapshot, one {"id", "size", "sha256"} per line
//   <dir>/pool/<ab>/<blobId>   blob ciphertext, shared by every backup naming it (blobs never
//                              change, so each is copied once); removed when no backup names it
//   <dir>/.partial-<id>/       a backup being written
//
// A backup id is its UTC creation time and a random suffix: ids sort by age.
import { join } from 'node:path';
import { keys } from '../core/keys.ts';
import { BLOB_LOG_INDEX_PREFIX } from '../store/open.ts';

export const BACKUP_FORMAT = 'sealpost-backup/v1';

/** Never in a backup: the delivery log lives 7 days and nowhere else (promise 5); a payment
 * code must vanish once booked (promise 6); the blob log's index belongs to the blob store,
 * whose blobs are backed up through its interface. */
export const EXCLUDED_PREFIXES: readonly string[] = [keys.deliveryLogPrefix(), keys.paymentCodePrefix(), BLOB_LOG_INDEX_PREFIX];

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  id: string;
  createdAt: number;
  kv: { entries: number; bytes: number; sha256: string };
  blobs: { count: number; bytes: number; sha256: string };
  excludedPrefixes: string[];
}

export interface KvLine {
  k: string;
  v: string;
}

export interface BlobLine {
  id: string;
  size: number;
  sha256: string;
}

export const POOL_DIRECTORY = 'pool';
export const PARTIAL_PREFIX = '.partial-';
export const MANIFEST_FILE = 'manifest.json';
export const KV_FILE = 'kv.jsonl';
export const BLOBS_FILE = 'blobs.jsonl';
/** Owner-only, as the data directory: backups hold the same addresses, sizes and dates. */
export const DIRECTORY_MODE = 0o700;
export const FILE_MODE = 0o600;

const BACKUP_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function isBackupId(text: string): boolean {
  return BACKUP_ID.test(text);
}

export function backupIdFor(time: number, random: string): string {
  return `${new Date(time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}-${random}`;
}

export function poolPath(directory: string, blobId: string): string {
  return join(directory, POOL_DIRECTORY, blobId.slice(0, 2), blobId);
}

export function isExcluded(key: string): boolean {
  return EXCLUDED_PREFIXES.some((prefix) => key.startsWith(prefix));
}
