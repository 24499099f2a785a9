// The folder hierarchy as a session holding the keys sees it: names (decrypted here, never
// stored in clear), "/"-separated levels, create with missing parents, rename of a folder
// with everything below it, delete, and subscriptions. Shared by IMAP and the web API.
//
// Invariants: every folder's parent exists (create adds missing parents, delete refuses a
// folder that still has children); INBOX and one folder of each default special use always
// exist. Name changes of one account run one at a time (a per-account queue), since the
// uniqueness of a name can only be checked by a session that decrypts all of them.
import type { MailboxKeys } from '../../crypto/api.ts';
import type { CoreContext } from './context.ts';
import { MailError } from './errors.ts';
import { openFolderName, sealFolderName } from '../../shared/folder-names.ts';
import { DEFAULT_FOLDERS, DEFAULT_FOLDER_NAMES, type Folders } from './folders.ts';
import type { Mailbox } from './mailbox.ts';
import type { Messages } from './messages.ts';
import type { FolderRecord, SpecialUse } from './records.ts';

export const HIERARCHY_DELIMITER = '/';
export const INBOX = 'INBOX';
/** Prefix of the name shown for a folder whose sealed name does not open. */
const UNREADABLE_NAME_PREFIX = 'Unreadable-';

/** Longest full name in characters: Dovecot's order of magnitude; keeps LIST lines sane. */
const MAX_NAME_LENGTH = 512;
/** Deepest hierarchy accepted: deeper trees are abuse, not organisation. */
const MAX_DEPTH = 32;

export interface NamedFolder {
  name: string;
  folder: FolderRecord;
}

export class FolderTree {
  readonly #context: CoreContext;
  readonly #folders: Folders;
  readonly #mailbox: Mailbox;
  readonly #messages: Messages;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(context: CoreContext, folders: Folders, mailbox: Mailbox, messages: Messages) {
    this.#context = context;
    this.#folders = folders;
    this.#mailbox = mailbox;
    this.#messages = messages;
  }

  /** Every folder with its name, INBOX first, then in name order. */
  async list(accountId: string, keys: MailboxKeys): Promise<NamedFolder[]> {
    const named = (await this.#folders.list(accountId)).map((folder) => ({ name: this.#nameOf(keys, folder), folder }));
    return named.sort((a, b) => (a.name === INBOX ? -1 : b.name === INBOX ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async find(accountId: string, keys: MailboxKeys, name: string): Promise<NamedFolder | undefined> {
    const wanted = canonicalName(name);
    return (await this.list(accountId, keys)).find((entry) => entry.name === wanted);
  }

  /** Creates a folder and any missing parent; returns the new folder. */
  async create(accountId: string, keys: MailboxKeys, name: string, specialUse: SpecialUse | null = null): Promise<FolderRecord> {
    const wanted = validName(name);
    return this.#exclusive(accountId, async () => {
      const existing = await this.list(accountId, keys);
      if (existing.some((entry) => entry.name === wanted)) throw new MailError('MAILBOX_EXISTS', 'a folder with that name exists');
      await this.#createParents(accountId, keys, wanted, existing);
      const folder = await this.#folders.create(accountId, sealFolderName(this.#context.crypto, keys, wanted), specialUse);
      return this.#adoptOrphanSubscription(accountId, keys, folder, wanted);
    });
  }

  /**
   * Renames a folder and everything below it. Renaming INBOX moves its messages to a new
   * folder of that name and leaves INBOX empty (RFC 3501 6.3.5).
   */
  async rename(accountId: string, keys: MailboxKeys, from: string, to: string): Promise<void> {
    const source = canonicalName(from);
    const target = validName(to);
    return this.#exclusive(accountId, async () => {
      const existing = await this.list(accountId, keys);
      const folder = existing.find((entry) => entry.name === source);
      if (!folder) throw new MailError('MAILBOX_NONEXISTENT', 'no folder has that name');
      if (existing.some((entry) => entry.name === target)) throw new MailError('MAILBOX_EXISTS', 'a folder with the new name exists');
      if (target.startsWith(source + HIERARCHY_DELIMITER)) throw new MailError('INVALID_ARGUMENT', 'a folder cannot be moved below itself');
      await this.#createParents(accountId, keys, target, existing);
      if (source === INBOX) {
        const created = await this.#folders.create(accountId, sealFolderName(this.#context.crypto, keys, target), null);
        const uids = (await this.#messages.list(accountId, folder.folder.id)).map((record) => record.uid);
        if (uids.length > 0) await this.#mailbox.copy(accountId, folder.folder.id, uids, created.id, { move: true, keys });
        return;
      }
      const prefix = source + HIERARCHY_DELIMITER;
      for (const entry of existing) {
        if (entry.name !== source && !entry.name.startsWith(prefix)) continue;
        const renamed = target + entry.name.slice(source.length);
        if (renamed.length > MAX_NAME_LENGTH) throw new MailError('INVALID_ARGUMENT', 'the new name is too long');
        await this.#folders.update(accountId, entry.folder.id, { encryptedName: sealFolderName(this.#context.crypto, keys, renamed) });
      }
    });
  }

  /** Deletes a folder without children and its messages; its subscription outlives it. */
  async delete(accountId: string, keys: MailboxKeys, name: string): Promise<void> {
    const wanted = canonicalName(name);
    return this.#exclusive(accountId, async () => {
      const existing = await this.list(accountId, keys);
      const entry = existing.find((candidate) => candidate.name === wanted);
      if (!entry) throw new MailError('MAILBOX_NONEXISTENT', 'no folder has that name');
      if (wanted === INBOX) throw new MailError('MAILBOX_PROTECTED', 'INBOX cannot be deleted');
      const use = entry.folder.specialUse;
      if (use !== null && DEFAULT_FOLDERS.includes(use) && existing.filter((other) => other.folder.specialUse === use).length === 1) {
        throw new MailError('MAILBOX_PROTECTED', `the only ${use} folder cannot be deleted`);
      }
      if (existing.some((other) => other.name.startsWith(wanted + HIERARCHY_DELIMITER))) {
        throw new MailError('MAILBOX_HAS_CHILDREN', 'delete the folders below it first');
      }
      if (entry.folder.subscribed) {
        const orphans = await this.#folders.orphanSubscriptions(accountId);
        await this.#folders.setOrphanSubscriptions(accountId, [...orphans, sealFolderName(this.#context.crypto, keys, wanted)]);
      }
      await this.#mailbox.deleteFolder(accountId, entry.folder.id);
    });
  }

  /** Subscribes or unsubscribes a name, whether or not a folder has it (RFC 3501 6.3.6). */
  async setSubscribed(accountId: string, keys: MailboxKeys, name: string, subscribed: boolean): Promise<void> {
    const wanted = canonicalName(name);
    return this.#exclusive(accountId, async () => {
      const entry = await this.find(accountId, keys, wanted);
      if (entry && entry.folder.subscribed !== subscribed) await this.#folders.update(accountId, entry.folder.id, { subscribed });
      const orphans = await this.#folders.orphanSubscriptions(accountId);
      const kept = orphans.filter((sealed) => this.#openOrNull(keys, sealed) !== wanted);
      if (!entry && subscribed) {
        if (kept.length === orphans.length)
          await this.#folders.setOrphanSubscriptions(accountId, [...orphans, sealFolderName(this.#context.crypto, keys, validName(wanted))]);
      } else if (kept.length !== orphans.length) {
        await this.#folders.setOrphanSubscriptions(accountId, kept);
      }
    });
  }

  /** Subscribed names that have no folder. */
  async orphanSubscriptions(accountId: string, keys: MailboxKeys): Promise<string[]> {
    const names = (await this.#folders.orphanSubscriptions(accountId)).map((sealed) => this.#openOrNull(keys, sealed));
    return names.filter((name): name is string => name !== null);
  }

  async #createParents(accountId: string, keys: MailboxKeys, name: string, existing: NamedFolder[]): Promise<void> {
    const parts = name.split(HIERARCHY_DELIMITER);
    for (let depth = 1; depth < parts.length; depth++) {
      const parent = parts.slice(0, depth).join(HIERARCHY_DELIMITER);
      if (existing.some((entry) => entry.name === parent)) continue;
      const folder = await this.#folders.create(accountId, sealFolderName(this.#context.crypto, keys, parent), null);
      existing.push({ name: parent, folder });
    }
  }

  async #adoptOrphanSubscription(accountId: string, keys: MailboxKeys, folder: FolderRecord, name: string): Promise<FolderRecord> {
    const orphans = await this.#folders.orphanSubscriptions(accountId);
    const kept = orphans.filter((sealed) => this.#openOrNull(keys, sealed) !== name);
    if (kept.length === orphans.length) return folder;
    await this.#folders.setOrphanSubscriptions(accountId, kept);
    return this.#folders.update(accountId, folder.id, { subscribed: true });
  }

  #nameOf(keys: MailboxKeys, folder: FolderRecord): string {
    if (folder.encryptedName === null) return folder.specialUse ? DEFAULT_FOLDER_NAMES[folder.specialUse] : folder.id;
    // A name that does not open (damaged, or sealed for other keys) must not hide the
    // other folders, nor this one's messages: it is shown under its id.
    return this.#openOrNull(keys, folder.encryptedName) ?? `${UNREADABLE_NAME_PREFIX}${folder.id}`;
  }

  #openOrNull(keys: MailboxKeys, sealed: string): string | null {
    try {
      return openFolderName(this.#context.crypto, keys, sealed);
    } catch {
      return null;
    }
  }

  #exclusive<T>(accountId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(accountId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.#queues.set(accountId, tail);
    void tail.then(() => {
      if (this.#queues.get(accountId) === tail) this.#queues.delete(accountId);
    });
    return run;
  }
}

/** "INBOX" in any case names the Inbox (RFC 3501 5.1); every other name is exact. */
export function canonicalName(name: string): string {
  return name.toUpperCase() === INBOX ? INBOX : name;
}

/** A name that can be created: no empty level, no control characters, bounded size. */
export function validName(name: string): string {
  const canonical = canonicalName(name);
  const parts = canonical.split(HIERARCHY_DELIMITER);
  if (canonical.length === 0 || canonical.length > MAX_NAME_LENGTH) throw new MailError('INVALID_ARGUMENT', 'folder names are 1 to 512 characters');
  if (parts.length > MAX_DEPTH) throw new MailError('INVALID_ARGUMENT', 'the folder hierarchy is too deep');
  if (parts.some((part) => part.length === 0)) throw new MailError('INVALID_ARGUMENT', 'a folder name has an empty level');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(canonical)) throw new MailError('INVALID_ARGUMENT', 'folder names cannot contain control characters');
  return canonical;
}
