// Folders of a mailbox. Referenced by id everywhere on the server; the names of folders the
// user creates are encrypted (the session holding the keys resolves them); the default
// folders carry no stored name at all, only their special use (RFC 6154).
import type { CoreContext } from './context.ts';
import type { Transaction } from './account-writer.ts';
import { MailError } from './errors.ts';
import { END, keys } from './keys.ts';
import { DEFAULT_FOLDER_NAMES as IMAP_NAMES } from '../../shared/default-folders.ts';
import { decodeRecord, encodeRecord, toHex, type FolderRecord, type SpecialUse } from './records.ts';

/** Default folders every mailbox starts with, in display order. */
export const DEFAULT_FOLDERS: readonly SpecialUse[] = ['\\Inbox', '\\Drafts', '\\Sent', '\\Junk', '\\Trash', '\\Archive'];

/** Display names of the default folders (the IMAP names clients expect). */
export const DEFAULT_FOLDER_NAMES: Record<SpecialUse, string> = IMAP_NAMES;

/** Every delivery looks up the Inbox; its id never changes (the Inbox cannot be deleted),
 * so ids are remembered (about 100 bytes each) instead of scanning the folders each time. */
const INBOX_CACHE_ENTRIES = 100_000;

export class Folders {
  readonly #context: CoreContext;
  readonly #inboxIds = new Map<string, string>();

  constructor(context: CoreContext) {
    this.#context = context;
  }

  /** Creates the default folders inside an account-creation transaction. */
  createDefaults(txn: Transaction, accountId: string): FolderRecord[] {
    // UIDVALIDITY: seconds since the epoch at creation, unique per folder of the account by
    // the offset; RFC 3501 only asks that a (name, UIDVALIDITY) pair is never reused.
    const base = Math.floor(this.#context.clock.now() / 1000);
    return DEFAULT_FOLDERS.map((specialUse, index) => {
      const folder = this.#newRecord(specialUse, null, (base + index) >>> 0, true);
      txn.put(keys.folder(accountId, folder.id), encodeRecord(folder));
      return folder;
    });
  }

  /** Creates a folder whose name the caller has already encrypted under the user's keys. */
  async create(accountId: string, encryptedName: string, specialUse: SpecialUse | null = null): Promise<FolderRecord> {
    return this.#context.writer.run(accountId, async (txn) => {
      const existing = await this.list(accountId);
      const uidValidity = Math.max(Math.floor(this.#context.clock.now() / 1000), ...existing.map((f) => f.uidValidity + 1)) >>> 0;
      const folder = this.#newRecord(specialUse, encryptedName, uidValidity, false);
      txn.put(keys.folder(accountId, folder.id), encodeRecord(folder));
      txn.afterCommit(() => this.#context.events.publish({ type: 'folders-changed', accountId }));
      return folder;
    });
  }

  /** Renames (to a name the caller encrypted) or (un)subscribes a folder. */
  async update(accountId: string, folderId: string, change: { encryptedName?: string; subscribed?: boolean }): Promise<FolderRecord> {
    return this.#context.writer.run(accountId, async (txn) => {
      const value = await txn.get(keys.folder(accountId, folderId));
      if (!value) throw new MailError('MAILBOX_NONEXISTENT', 'no such folder');
      const folder = decodeRecord<FolderRecord>(value);
      if (change.encryptedName !== undefined) folder.encryptedName = change.encryptedName;
      if (change.subscribed !== undefined) folder.subscribed = change.subscribed;
      txn.put(keys.folder(accountId, folderId), encodeRecord(folder));
      txn.afterCommit(() => this.#context.events.publish({ type: 'folders-changed', accountId }));
      return folder;
    });
  }

  /** Encrypted names subscribed to that have no folder (see keys.orphanSubscriptions). */
  async orphanSubscriptions(accountId: string): Promise<string[]> {
    const value = await this.#context.store.kv.get(keys.orphanSubscriptions(accountId));
    return value ? decodeRecord<string[]>(value) : [];
  }

  async setOrphanSubscriptions(accountId: string, encryptedNames: readonly string[]): Promise<void> {
    await this.#context.writer.run(accountId, async (txn) => {
      if (encryptedNames.length === 0) txn.del(keys.orphanSubscriptions(accountId));
      else txn.put(keys.orphanSubscriptions(accountId), encodeRecord(encryptedNames));
      txn.afterCommit(() => this.#context.events.publish({ type: 'folders-changed', accountId }));
    });
  }

  async get(accountId: string, folderId: string): Promise<FolderRecord> {
    const value = await this.#context.store.kv.get(keys.folder(accountId, folderId));
    if (!value) throw new MailError('MAILBOX_NONEXISTENT', 'no such folder');
    return decodeRecord<FolderRecord>(value);
  }

  async list(accountId: string): Promise<FolderRecord[]> {
    const prefix = keys.folderPrefix(accountId);
    const folders: FolderRecord[] = [];
    for await (const [, value] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) {
      folders.push(decodeRecord<FolderRecord>(value));
    }
    return folders;
  }

  async findBySpecialUse(accountId: string, specialUse: SpecialUse): Promise<FolderRecord> {
    const cachedInbox = specialUse === '\\Inbox' ? this.#inboxIds.get(accountId) : undefined;
    if (cachedInbox) {
      const value = await this.#context.store.kv.get(keys.folder(accountId, cachedInbox));
      if (value) return decodeRecord<FolderRecord>(value);
      this.#inboxIds.delete(accountId);
    }
    const folder = (await this.list(accountId)).find((candidate) => candidate.specialUse === specialUse);
    if (!folder) throw new MailError('MAILBOX_NONEXISTENT', `the mailbox has no ${specialUse} folder`);
    if (specialUse === '\\Inbox') {
      if (this.#inboxIds.size >= INBOX_CACHE_ENTRIES) this.#inboxIds.delete(this.#inboxIds.keys().next().value!);
      this.#inboxIds.set(accountId, folder.id);
    }
    return folder;
  }

  #newRecord(specialUse: SpecialUse | null, encryptedName: string | null, uidValidity: number, subscribed: boolean): FolderRecord {
    return {
      v: 1,
      id: toHex(this.#context.crypto.randomBytes(8)),
      encryptedName,
      specialUse,
      uidValidity,
      uidNext: 1,
      highestModSeq: 1,
      messages: 0,
      bytes: 0,
      unseen: 0,
      deleted: 0,
      subscribed,
      firstRecentUid: 1,
      createdAt: this.#context.clock.now(),
    };
  }
}
