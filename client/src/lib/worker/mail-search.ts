// Full-text search inside the crypto worker: messages are decrypted and their words indexed
// here, beside the keys, and the index is kept in this device's IndexedDB encrypted under a
// masterKey subkey, derived for each use and wiped after it. The page sends ciphertext in and
// gets back only the hits of a query (folder, uid, date, subject, sender, recipient), which
// it would decrypt anyway to show a list. Locking drops the index from memory.
import type { SealpostCrypto, SearchIndexKeys } from '../../../../crypto/api.ts';
import { decodeMetadata } from '../../../../mime/metadata.ts';
import { fromBase64, toBase64 } from '../../../../shared/base64.ts';
import { MANIFEST_ID, openIndexRecords, sealIndexChanges } from '../search/index-records.ts';
import { MailIndex, type FolderUids, type SearchResult } from '../search/mail-index.ts';
import { searchableText, shownFields, type MessageBodyText } from '../search/searchable-text.ts';
import { defaultSegmenter, indexTerms, parseQuery } from '../search/words.ts';
import { IndexDatabase, searchDatabaseName } from './index-database.ts';
import { parseMessage } from './message-parser.ts';
import type { MessageToIndex } from './protocol.ts';
import { VaultLockedError, vault } from './vault.ts';

/** Random bytes of a shard id: ids are stored in the clear and must say nothing. */
const SHARD_ID_BYTES = 12;

interface OpenIndex {
  index: MailIndex;
  database: IndexDatabase;
  name: string;
}

/** The index was closed (locked, or deleted by the page) while a call was using it. */
class SearchIndexClosedError extends Error {
  readonly code = 'SEARCH_INDEX_CLOSED';
  constructor() {
    super('the search index is not open');
  }
}

let current: OpenIndex | undefined;
let opening: Promise<OpenIndex | undefined> | undefined;
const segmenter = defaultSegmenter();

function withSearchIndexKeys<T>(crypto: SealpostCrypto, use: (keys: SearchIndexKeys) => T): T {
  const keys = crypto.deriveSearchIndexKeys(vault.keys().masterKey);
  try {
    return use(keys);
  } finally {
    crypto.wipe(keys.recordKey, keys.storeId);
  }
}

export function searchIndexName(crypto: SealpostCrypto): string {
  return withSearchIndexKeys(crypto, (keys) => searchDatabaseName(keys.storeId));
}

const shardIdMaker = (crypto: SealpostCrypto) => () => Array.from(crypto.randomBytes(SHARD_ID_BYTES), (byte) => byte.toString(16).padStart(2, '0')).join('');

async function load(crypto: SealpostCrypto, create: boolean): Promise<OpenIndex | undefined> {
  const name = searchIndexName(crypto);
  let opened: OpenIndex | undefined;
  const database = await IndexDatabase.open(name, create, () => {
    if (current === opened) current = undefined;
  });
  if (!database) return undefined;
  const records = await database.readAll();
  let index: MailIndex | null;
  let stale: string[];
  try {
    index = withSearchIndexKeys(crypto, (keys) => openIndexRecords(crypto, keys.recordKey, records, shardIdMaker(crypto)));
    const kept = index?.shardIds() ?? new Set<string>();
    stale = [...records.keys()].filter((id) => id !== MANIFEST_ID && !kept.has(id));
  } catch {
    // Altered, or of another format: what cannot be read is rebuilt from the server.
    index = null;
    stale = [...records.keys()];
  }
  if (stale.length > 0) await database.write({ put: new Map(), delete: stale });
  opened = { index: index ?? new MailIndex(shardIdMaker(crypto)), database, name };
  return opened;
}

/** The open index, as long as it stays the one that was open when the call began. */
function ensureStillOpen(open: OpenIndex): void {
  if (current !== open) throw new SearchIndexClosedError();
}

async function save(crypto: SealpostCrypto, open: OpenIndex): Promise<void> {
  const changes = open.index.takeChanges();
  if (!changes) return;
  await open.database.write(withSearchIndexKeys(crypto, (keys) => sealIndexChanges(crypto, keys.recordKey, changes)));
}

/** One load at a time: calls that come while one runs share it. */
function loadOnce(crypto: SealpostCrypto, create: boolean): Promise<OpenIndex | undefined> {
  opening ??= load(crypto, create).finally(() => (opening = undefined));
  return opening;
}

function unlocked(): boolean {
  try {
    vault.keys();
    return true;
  } catch {
    return false;
  }
}

export async function openSearchIndex(crypto: SealpostCrypto, create: boolean): Promise<{ database: string | null; messages: number }> {
  vault.keys();
  if (!current) {
    let loaded = await loadOnce(crypto, create);
    // A load that would not create may have been running when this one wants to.
    while (!loaded && create) loaded = await loadOnce(crypto, true);
    if (!unlocked()) {
      // Locked while it loaded: the index must not stay in memory.
      loaded?.database.close();
      throw new VaultLockedError();
    }
    current ??= loaded;
  }
  return current ? { database: current.name, messages: current.index.messageCount } : { database: null, messages: 0 };
}

function required(): OpenIndex {
  if (!current) throw new SearchIndexClosedError();
  return current;
}

export async function reconcileSearchIndex(crypto: SealpostCrypto, folders: FolderUids[]): Promise<{ missing: FolderUids[] }> {
  const open = required();
  const missing = open.index.reconcile(folders);
  await save(crypto, open);
  return { missing };
}

export async function indexMessages(
  crypto: SealpostCrypto,
  folderId: string,
  uidValidity: number,
  messages: MessageToIndex[],
): Promise<{ rewraps: { uid: number; previous: string; contentKey: string }[]; failed: number[] }> {
  const open = required();
  const keys = vault.keys();
  const rewraps: { uid: number; previous: string; contentKey: string }[] = [];
  const failed: number[] = [];
  for (const message of messages) {
    let contentKey: Uint8Array | undefined;
    try {
      const wrapped = fromBase64(message.contentKey);
      contentKey = crypto.openContentKey(wrapped, keys);
      if (crypto.isSealedContentKey(wrapped))
        rewraps.push({ uid: message.uid, previous: message.contentKey, contentKey: toBase64(crypto.wrapContentKey(contentKey, keys.masterKey)) });
      const { summary } = decodeMetadata(crypto.decryptMetadata(contentKey, fromBase64(message.metadata)));
      const body = message.ciphertext ? await bodyText(crypto, contentKey, message.ciphertext) : null;
      ensureStillOpen(open);
      const terms = indexTerms(searchableText(summary, body), segmenter);
      open.index.add(folderId, uidValidity, { uid: message.uid, date: message.date, ...shownFields(summary) }, terms);
    } catch (error) {
      if (error instanceof VaultLockedError || error instanceof SearchIndexClosedError) throw error;
      // A message that does not open or parse stays unindexed; the others still are.
      failed.push(message.uid);
    } finally {
      crypto.wipe(contentKey);
    }
  }
  ensureStillOpen(open);
  await save(crypto, open);
  return { rewraps, failed };
}

async function bodyText(crypto: SealpostCrypto, contentKey: Uint8Array, ciphertext: ArrayBuffer): Promise<MessageBodyText> {
  const decryptor = crypto.createBodyDecryptor(contentKey);
  const head = decryptor.push(new Uint8Array(ciphertext));
  const tail = decryptor.final();
  const plaintext = new Uint8Array(head.length + tail.length);
  plaintext.set(head);
  plaintext.set(tail, head.length);
  const parsed = await parseMessage(plaintext);
  return { text: parsed.text, html: parsed.html };
}

export async function unindexMessages(crypto: SealpostCrypto, folderId: string, uids: number[]): Promise<{ removed: number }> {
  const open = required();
  const removed = open.index.remove(folderId, uids);
  await save(crypto, open);
  return { removed };
}

export function searchMessages(query: string, limit: number): SearchResult {
  return required().index.search(parseQuery(query, segmenter), limit);
}

/** Drops the index from memory (lock, logout); what is stored stays, encrypted. */
export function closeSearchIndex(): void {
  current?.database.close();
  current = undefined;
}
