// The search index as the device stores it: every record encrypted under the index's record
// key (crypto deriveSearchIndexKeys), the manifest under its own label and each shard under a
// label that names it, so that no record opens in another's place. Only the record ids are
// clear: "manifest" and random shard ids.
import type { SealpostCrypto } from '../../../../crypto/api.ts';
import { MailIndex, type IndexChanges } from './mail-index.ts';

export const MANIFEST_ID = 'manifest';
const MANIFEST_LABEL = 'search-index-manifest';
const shardLabel = (shardId: string) => `search-index-shard/${shardId}`;

/** What to write to the store: encrypted records by id, and ids to delete. */
export interface SealedChanges {
  put: Map<string, Uint8Array>;
  delete: string[];
}

export function sealIndexChanges(crypto: SealpostCrypto, recordKey: Uint8Array, changes: IndexChanges): SealedChanges {
  const put = new Map<string, Uint8Array>([[MANIFEST_ID, crypto.encryptRecord(recordKey, MANIFEST_LABEL, changes.manifest)]]);
  for (const [shardId, plaintext] of changes.shards) put.set(shardId, crypto.encryptRecord(recordKey, shardLabel(shardId), plaintext));
  return { put, delete: changes.deleted };
}

/** The index from its stored records; null when there is none yet. Throws when a record does
 * not open (altered, or from another key): the caller then starts afresh. */
export function openIndexRecords(
  crypto: SealpostCrypto,
  recordKey: Uint8Array,
  records: ReadonlyMap<string, Uint8Array>,
  newShardId: () => string,
): MailIndex | null {
  const manifest = records.get(MANIFEST_ID);
  if (!manifest) return null;
  const openShard = (shardId: string) => {
    const sealed = records.get(shardId);
    return sealed && shardId !== MANIFEST_ID ? crypto.decryptRecord(recordKey, shardLabel(shardId), sealed) : undefined;
  };
  return MailIndex.load(crypto.decryptRecord(recordKey, MANIFEST_LABEL, manifest), openShard, newShardId);
}
