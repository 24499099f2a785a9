// The search index of one account: per folder (and its UIDVALIDITY) shards of at most
// SHARD_CAPACITY messages. It answers queries over all folders, tells which of the server's
// messages it lacks, forgets what the server no longer has, and hands out what changed since
// the last save as plaintext records, which index-records.ts encrypts.
//
// Stored manifest (JSON): { v: 1, folders: [{ folderId, uidValidity, shards: [id, …] }, …] }
import { IndexShard, type IndexedMessage } from './index-shard.ts';
import type { QueryTerm } from './words.ts';

/** Messages per shard. Adding one message re-encrypts its shard, and loading decrypts every
 * shard: 500 small messages make a shard of some hundred kilobytes, which encrypts in about
 * a millisecond, while a 50,000-message mailbox still has only a hundred shards. */
export const SHARD_CAPACITY = 500;
export const MANIFEST_FORMAT_VERSION = 1;

export interface SearchHit extends IndexedMessage {
  folderId: string;
}

export interface SearchResult {
  /** Every match; `hits` holds the newest `limit` of them. */
  total: number;
  hits: SearchHit[];
}

export interface FolderUids {
  folderId: string;
  uidValidity: number;
  uids: number[];
}

/** What to write since the last save: the manifest, the shards that changed, the shards gone. */
export interface IndexChanges {
  manifest: Uint8Array;
  shards: Map<string, Uint8Array>;
  deleted: string[];
}

interface FolderShards {
  uidValidity: number;
  /** In creation order: new messages go to the last one. */
  shards: Map<string, IndexShard>;
  shardOf: Map<number, string>;
}

interface StoredManifest {
  v: typeof MANIFEST_FORMAT_VERSION;
  folders: { folderId: string; uidValidity: number; shards: string[] }[];
}

export class ManifestFormatError extends Error {
  constructor(message: string) {
    super(`search index manifest: ${message}`);
    this.name = 'ManifestFormatError';
  }
}

export class MailIndex {
  readonly #folders = new Map<string, FolderShards>();
  readonly #changed = new Set<string>();
  readonly #deleted = new Set<string>();
  #manifestChanged = false;
  readonly #newShardId: () => string;

  /** `newShardId` names new shards; the names are stored in the clear, so they must be random. */
  constructor(newShardId: () => string) {
    this.#newShardId = newShardId;
  }

  /** Rebuilds the index from its decrypted manifest and the shards it names. */
  static load(manifest: Uint8Array, shardById: (id: string) => Uint8Array | undefined, newShardId: () => string): MailIndex {
    let stored: StoredManifest;
    try {
      stored = JSON.parse(new TextDecoder().decode(manifest)) as StoredManifest;
    } catch {
      throw new ManifestFormatError('not JSON');
    }
    if (stored?.v !== MANIFEST_FORMAT_VERSION || !Array.isArray(stored.folders))
      throw new ManifestFormatError(`format ${String(stored?.v)} is not ${MANIFEST_FORMAT_VERSION}`);
    const index = new MailIndex(newShardId);
    for (const folder of stored.folders) {
      const entry: FolderShards = { uidValidity: folder.uidValidity, shards: new Map(), shardOf: new Map() };
      for (const id of folder.shards) {
        const bytes = shardById(id);
        if (!bytes) throw new ManifestFormatError(`shard ${id} is missing`);
        const shard = IndexShard.decode(bytes);
        entry.shards.set(id, shard);
        for (const uid of shard.messages.keys()) entry.shardOf.set(uid, id);
      }
      index.#folders.set(folder.folderId, entry);
    }
    return index;
  }

  get messageCount(): number {
    let count = 0;
    for (const folder of this.#folders.values()) count += folder.shardOf.size;
    return count;
  }

  /** The ids of the shards the manifest names: any other stored record is left over. */
  shardIds(): Set<string> {
    return new Set([...this.#folders.values()].flatMap((entry) => [...entry.shards.keys()]));
  }

  has(folderId: string, uid: number): boolean {
    return this.#folders.get(folderId)?.shardOf.has(uid) ?? false;
  }

  /** Brings the index in line with the server's folders: drops folders that are gone or whose
   * UIDVALIDITY changed, and messages that were expunged; returns the messages it lacks. */
  reconcile(folders: readonly FolderUids[]): FolderUids[] {
    const listed = new Map(folders.map((folder) => [folder.folderId, folder]));
    for (const [folderId, entry] of this.#folders) {
      const current = listed.get(folderId);
      if (!current || current.uidValidity !== entry.uidValidity) this.#dropFolder(folderId);
    }
    const missing: FolderUids[] = [];
    for (const folder of folders) {
      const entry = this.#folders.get(folder.folderId);
      if (entry) {
        const present = new Set(folder.uids);
        this.remove(
          folder.folderId,
          [...entry.shardOf.keys()].filter((uid) => !present.has(uid)),
        );
      }
      const lacking = folder.uids.filter((uid) => !entry?.shardOf.has(uid));
      if (lacking.length > 0) missing.push({ folderId: folder.folderId, uidValidity: folder.uidValidity, uids: lacking });
    }
    return missing;
  }

  add(folderId: string, uidValidity: number, message: IndexedMessage, terms: ReadonlySet<string>): void {
    let entry = this.#folders.get(folderId);
    if (entry && entry.uidValidity !== uidValidity) {
      this.#dropFolder(folderId);
      entry = undefined;
    }
    if (!entry) {
      entry = { uidValidity, shards: new Map(), shardOf: new Map() };
      this.#folders.set(folderId, entry);
      this.#manifestChanged = true;
    }
    const existing = entry.shardOf.get(message.uid);
    let shardId = existing ?? [...entry.shards.keys()].at(-1);
    if (shardId === undefined || (existing === undefined && entry.shards.get(shardId)!.size >= SHARD_CAPACITY)) {
      shardId = this.#newShardId();
      entry.shards.set(shardId, new IndexShard());
      this.#manifestChanged = true;
    }
    entry.shards.get(shardId)!.add(message, terms);
    entry.shardOf.set(message.uid, shardId);
    this.#changed.add(shardId);
  }

  remove(folderId: string, uids: Iterable<number>): number {
    const entry = this.#folders.get(folderId);
    if (!entry) return 0;
    const byShard = new Map<string, Set<number>>();
    for (const uid of uids) {
      const shardId = entry.shardOf.get(uid);
      if (shardId === undefined) continue;
      entry.shardOf.delete(uid);
      byShard.set(shardId, (byShard.get(shardId) ?? new Set()).add(uid));
    }
    let removed = 0;
    for (const [shardId, gone] of byShard) {
      const shard = entry.shards.get(shardId)!;
      removed += shard.remove(gone);
      if (shard.size > 0) {
        this.#changed.add(shardId);
        continue;
      }
      entry.shards.delete(shardId);
      this.#forgetShard(shardId);
    }
    return removed;
  }

  /** Messages holding every term (the prefix ones by prefix), newest first. */
  search(terms: readonly QueryTerm[], limit: number): SearchResult {
    if (terms.length === 0) return { total: 0, hits: [] };
    const hits: SearchHit[] = [];
    for (const [folderId, entry] of this.#folders) {
      for (const shard of entry.shards.values()) {
        let candidates = shard.matching(terms[0]!.term, terms[0]!.prefix);
        for (const { term, prefix } of terms.slice(1)) {
          if (candidates.size === 0) break;
          const holders = shard.matching(term, prefix);
          candidates = new Set([...candidates].filter((uid) => holders.has(uid)));
        }
        for (const uid of candidates) hits.push({ folderId, ...shard.messages.get(uid)! });
      }
    }
    hits.sort((a, b) => b.date - a.date || b.uid - a.uid);
    return { total: hits.length, hits: hits.slice(0, limit) };
  }

  /** The records to write since the last call, or null when nothing changed. */
  takeChanges(): IndexChanges | null {
    if (!this.#manifestChanged && this.#changed.size === 0 && this.#deleted.size === 0) return null;
    const shards = new Map<string, Uint8Array>();
    for (const entry of this.#folders.values()) {
      for (const [id, shard] of entry.shards) if (this.#changed.has(id)) shards.set(id, shard.encode());
    }
    const changes: IndexChanges = { manifest: this.#encodeManifest(), shards, deleted: [...this.#deleted] };
    this.#changed.clear();
    this.#deleted.clear();
    this.#manifestChanged = false;
    return changes;
  }

  #dropFolder(folderId: string): void {
    const entry = this.#folders.get(folderId);
    if (!entry) return;
    for (const shardId of entry.shards.keys()) this.#forgetShard(shardId);
    this.#folders.delete(folderId);
    this.#manifestChanged = true;
  }

  #forgetShard(shardId: string): void {
    this.#changed.delete(shardId);
    this.#deleted.add(shardId);
    this.#manifestChanged = true;
  }

  #encodeManifest(): Uint8Array {
    const stored: StoredManifest = {
      v: MANIFEST_FORMAT_VERSION,
      folders: [...this.#folders].map(([folderId, entry]) => ({ folderId, uidValidity: entry.uidValidity, shards: [...entry.shards.keys()] })),
    };
    return new TextEncoder().encode(JSON.stringify(stored));
  }
}
