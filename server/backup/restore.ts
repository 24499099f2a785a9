// Restoring from a backup: one account into a live store without touching any other, or a
// whole backup into an empty store. Blobs go back through the blob store's interface, which
// picks new ids, so message records and blob references are rewritten to them. An account
// becomes reachable (account record, address and login indexes) only with the last write,
// so a restore that stops half-way leaves nothing anyone can log in to or deliver to, and
// a rerun clears what it left before starting over.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { normalizeAddress } from '../core/addresses.ts';
import { END, keys } from '../core/keys.ts';
import type { MailCore } from '../core/mail-core.ts';
import { decodeRecord, encodeRecord, type MessageRecord, type VerifierIndexRecord } from '../core/records.ts';
import type { KvOperation, Store } from '../store/types.ts';
import { BackupError, readManifest } from './catalog.ts';
import { readLines } from './files.ts';
import { BLOBS_FILE, KV_FILE, poolPath, type BackupManifest, type BlobLine, type KvLine } from './format.ts';

/** Records written per durable batch while restoring. */
const RESTORE_BATCH = 500;

export interface RestoredAccount {
  id: string;
  address: string;
  messages: number;
  blobs: number;
}

/** The key families whose second segment is the account id hold an account's records
 * (acct/ID, msg/ID/…, billing/ID …): a rule that also covers families added later. */
function ownedBy(key: string, accountId: string): boolean {
  return key.split('/')[1] === accountId;
}

export async function restoreAccount(
  core: MailCore,
  store: Store,
  directory: string,
  backupId: string,
  address: string,
  options: { replace: boolean },
): Promise<RestoredAccount> {
  await readManifest(directory, backupId);
  const kvPath = join(directory, backupId, KV_FILE);
  const wanted = normalizeAddress(address);
  let accountId: string | undefined;
  for await (const line of readLines<KvLine>(kvPath)) {
    if (line.k === keys.address(wanted)) {
      accountId = Buffer.from(line.v, 'base64').toString('utf8');
      break;
    }
  }
  if (!accountId) throw new BackupError('BACKUP_NONEXISTENT', `backup ${backupId} holds no account with the address ${wanted}`);
  const addresses: string[] = [];
  const families = new Set<string>();
  const blobIds = new Set<string>();
  for await (const line of readLines<KvLine>(kvPath)) {
    if (!ownedBy(line.k, accountId)) continue;
    families.add(line.k.split('/')[0]!);
    if (line.k.startsWith(keys.accountAddressPrefix(accountId))) addresses.push(line.k.slice(keys.accountAddressPrefix(accountId).length));
    if (line.k.startsWith(keys.blobRefsPrefix(accountId))) blobIds.add(line.k.slice(keys.blobRefsPrefix(accountId).length));
  }

  // Who holds these addresses now: nobody, the same account, or someone else.
  const owners = new Set<string>();
  for (const owned of addresses) {
    const live = await core.accounts.findIdByAddress(owned);
    if (live) owners.add(live);
  }
  if (await core.accounts.exists(accountId)) owners.add(accountId);
  const requestedOwner = await core.accounts.findIdByAddress(wanted);
  const others = [...owners].filter((owner) => owner !== requestedOwner && owner !== accountId);
  if (others.length > 0) {
    throw new BackupError('BACKUP_CONFLICT', `another account now uses an address of ${wanted}: ${addresses.join(', ')}; nothing was restored`);
  }
  if (owners.size > 0 && !options.replace) {
    throw new BackupError('BACKUP_CONFLICT', `${wanted} exists now: add --replace to delete the current account and restore the backup's`);
  }
  for (const owner of owners) await core.accounts.delete(owner);

  const { kv } = store;
  // Leftovers of an interrupted restore of this account.
  for (const family of families) {
    await kv.clearRange({ gte: `${family}/${accountId}/`, lt: `${family}/${accountId}/${END}` });
    await kv.batch([{ type: 'del', key: `${family}/${accountId}` }]);
  }
  const blobLines = await blobLinesFor(directory, backupId, (id) => blobIds.has(id));
  const writer = new BatchWriter(store);
  const entryPoints: KvOperation[] = [];
  const newIds = new Map<string, string>();
  let messages = 0;
  for await (const line of readLines<KvLine>(kvPath)) {
    const value = new Uint8Array(Buffer.from(line.v, 'base64'));
    if (line.k.startsWith(keys.addressPrefix()) && Buffer.from(value).toString('utf8') === accountId) {
      entryPoints.push({ type: 'put', key: line.k, value });
    } else if (line.k.startsWith('verifier/') && decodeRecord<VerifierIndexRecord>(value).accountId === accountId) {
      entryPoints.push({ type: 'put', key: line.k, value });
    } else if (line.k === keys.account(accountId)) {
      entryPoints.push({ type: 'put', key: line.k, value });
    } else if (ownedBy(line.k, accountId)) {
      const rewritten = await rewriteBlobReferences(store, directory, accountId, line.k, value, blobLines, newIds);
      if (line.k.startsWith(keys.accountMessagePrefix(accountId))) messages += 1;
      await writer.put(rewritten.key, rewritten.value);
    }
  }
  await writer.flush();
  await kv.batch(entryPoints);
  await core.addressHolds.release(addresses);
  return { id: accountId, address: wanted, messages, blobs: newIds.size };
}

/** A whole backup into a store that holds no account yet (a new data directory). */
export async function restoreAll(store: Store, directory: string, backupId: string): Promise<{ accounts: number; blobs: number; entries: number }> {
  const manifest: BackupManifest = await readManifest(directory, backupId);
  const { kv } = store;
  for await (const _ of kv.iterate({ gte: keys.accountPrefix(), lt: keys.accountPrefix() + END, limit: 1 })) {
    throw new BackupError('BACKUP_CONFLICT', 'the store already holds accounts: restore single accounts with --account, or restore into a new data directory');
  }
  const blobLines = await blobLinesFor(directory, backupId, () => true);
  const newIds = new Map<string, string>();
  for (const line of blobLines.values()) newIds.set(line.id, await copyFromPool(store, directory, line));
  const writer = new BatchWriter(store);
  let accounts = 0;
  for await (const line of readLines<KvLine>(join(directory, backupId, KV_FILE))) {
    const value = new Uint8Array(Buffer.from(line.v, 'base64'));
    const accountId = line.k.split('/')[1] ?? '';
    if (line.k.startsWith(keys.accountPrefix())) accounts += 1;
    const rewritten = await rewriteBlobReferences(store, directory, accountId, line.k, value, blobLines, newIds);
    await writer.put(rewritten.key, rewritten.value);
  }
  await writer.flush();
  return { accounts, blobs: newIds.size, entries: manifest.kv.entries };
}

async function rewriteBlobReferences(
  store: Store,
  directory: string,
  accountId: string,
  key: string,
  value: Uint8Array,
  blobLines: Map<string, BlobLine>,
  newIds: Map<string, string>,
): Promise<{ key: string; value: Uint8Array }> {
  const newIdOf = async (oldId: string) => {
    let newId = newIds.get(oldId);
    if (!newId) {
      const line = blobLines.get(oldId);
      if (!line) throw new BackupError('BACKUP_INVALID', `the backup lists no blob ${oldId}, which a record names`);
      newId = await copyFromPool(store, directory, line);
      newIds.set(oldId, newId);
    }
    return newId;
  };
  if (key.startsWith(keys.blobRefsPrefix(accountId))) {
    return { key: keys.blobRefs(accountId, await newIdOf(key.slice(keys.blobRefsPrefix(accountId).length))), value };
  }
  if (key.startsWith(keys.accountMessagePrefix(accountId))) {
    const record = decodeRecord<MessageRecord>(value);
    return { key, value: encodeRecord({ ...record, blobId: await newIdOf(record.blobId) }) };
  }
  return { key, value };
}

async function blobLinesFor(directory: string, backupId: string, wanted: (id: string) => boolean): Promise<Map<string, BlobLine>> {
  const lines = new Map<string, BlobLine>();
  for await (const line of readLines<BlobLine>(join(directory, backupId, BLOBS_FILE))) if (wanted(line.id)) lines.set(line.id, line);
  return lines;
}

/** Copies a pool blob into the live blob store, checking it against its recorded hash. */
async function copyFromPool(store: Store, directory: string, line: BlobLine): Promise<string> {
  const writer = store.blobs.create();
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(poolPath(directory, line.id))) {
      hash.update(chunk as Buffer);
      await writer.write(new Uint8Array(chunk as Buffer));
    }
    if (hash.digest('hex') !== line.sha256) throw new BackupError('BACKUP_INVALID', `blob ${line.id} in the backup is damaged`);
    return await writer.commit();
  } catch (error) {
    await writer.abort();
    if (error instanceof BackupError) throw error;
    throw new BackupError('BACKUP_INVALID', `blob ${line.id} cannot be read from the backup (${(error as Error).message})`);
  }
}

class BatchWriter {
  readonly #store: Store;
  #operations: KvOperation[] = [];

  constructor(store: Store) {
    this.#store = store;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#operations.push({ type: 'put', key, value });
    if (this.#operations.length >= RESTORE_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#operations.length === 0) return;
    const operations = this.#operations;
    this.#operations = [];
    await this.#store.kv.batch(operations);
  }
}
