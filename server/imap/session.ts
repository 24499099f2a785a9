// The state of one IMAP session (RFC 9051 section 3): not authenticated → authenticated →
// selected → logout, what the client enabled, the keys an app password unlocked (held in
// this object only, wiped at LOGOUT or disconnect), the folder names it resolved, and the
// selected mailbox view. Changes made by other sessions arrive as core events and wait in
// the view until `announcements` is called at a moment the protocol allows.
import type { MailboxKeys, SealpostCrypto } from '../../crypto/api.ts';
import type { AppPasswordLogin } from '../auth/app-password-login.ts';
import type { MailEvent } from '../core/events.ts';
import type { NamedFolder } from '../core/folder-tree.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { FolderRecord, MessageRecord } from '../core/records.ts';
import { SUMMARY_VERSION, analyzeMessage, type MessageSummary } from '../../mime/structure.ts';
import type { Logger } from '../log.ts';
import type { ImapConfig } from './config.ts';
import type { FolderSnapshots } from './folder-snapshots.ts';
import { resolveSequenceNumbers, resolveUids, type Response, type SequenceSet, type SessionState } from './proto/index.ts';
import type { SelectedMailbox, AnnounceOptions } from './selected.ts';

/** Decrypted summaries kept per active session (about 1.5 KB each): a client's list window
 * and the repeated searches of a busy session; an idling session drops them. */
const SUMMARY_CACHE_ENTRIES = 1024;

export interface ImapServices {
  core: MailCore;
  crypto: SealpostCrypto;
  logger: Logger;
  config: ImapConfig;
  login: AppPasswordLogin;
  snapshots: FolderSnapshots;
  connections: AccountConnections;
}

/** Sessions per account, to enforce maxConnectionsPerAccount. */
export class AccountConnections {
  readonly #counts = new Map<string, number>();

  tryAdd(accountId: string, limit: number): boolean {
    const count = this.#counts.get(accountId) ?? 0;
    if (count >= limit) return false;
    this.#counts.set(accountId, count + 1);
    return true;
  }

  remove(accountId: string): void {
    const count = (this.#counts.get(accountId) ?? 1) - 1;
    if (count <= 0) this.#counts.delete(accountId);
    else this.#counts.set(accountId, count);
  }
}

export interface Authenticated {
  accountId: string;
  /** The app password's key slot: its revocation ends the session. */
  slotId: string;
  /** The address the client logged in with (for APPEND's delivery record). */
  address: string;
  keys: MailboxKeys;
}

export interface Enabled {
  condstore: boolean;
  qresync: boolean;
  utf8Accept: boolean;
  rev2: boolean;
}

export class Session {
  readonly id: string;
  readonly services: ImapServices;
  readonly logger: Logger;
  /** The client's login throttling key (clientSourceOf); kept in memory for throttling
   * only, never logged or stored. */
  readonly loginSource: string;
  state: SessionState = 'not-authenticated';
  /** TLS is active (implicit, or after STARTTLS). */
  secure: boolean;
  /** The listener offers STARTTLS and it has not been used yet. */
  starttlsOffered: boolean;
  compressed = false;
  auth: Authenticated | undefined;
  readonly enabled: Enabled = { condstore: false, qresync: false, utf8Accept: false, rev2: false };
  selected: SelectedMailbox | undefined;
  /** SEARCHRES "$" (RFC 5182): UIDs of the last SEARCH ... RETURN (SAVE). */
  savedSearch: number[] = [];
  /** Called when something happened that an IDLE session must hear about at once. */
  onActivity: (() => void) | undefined;
  /** The account was deleted, the app password revoked or the selected folder vanished: say BYE. */
  mustClose: string | undefined;
  /** Called when mustClose is set by an event: the connection says BYE without waiting for
   * the client's next command, so the keys go at once. */
  onMustClose: (() => void) | undefined;

  #folders: NamedFolder[] | undefined;
  /** While SELECT reads a folder: events for it, replayed onto the view once it exists. */
  #loading: { folderId: string; events: MailEvent[] } | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Decrypted summaries by folder and UID, kept across re-selection of a folder. */
  readonly #summaries = new Map<string, MessageSummary>();

  constructor(options: { id: string; services: ImapServices; loginSource: string; secure: boolean; starttlsOffered: boolean }) {
    this.id = options.id;
    this.services = options.services;
    this.logger = options.services.logger;
    this.loginSource = options.loginSource;
    this.secure = options.secure;
    this.starttlsOffered = options.starttlsOffered;
  }

  get core(): MailCore {
    return this.services.core;
  }

  /** The authenticated account; callers check the state first (the command table does). */
  get account(): Authenticated {
    if (!this.auth) throw new Error('not authenticated');
    return this.auth;
  }

  get view(): SelectedMailbox {
    if (!this.selected) throw new Error('no mailbox selected');
    return this.selected;
  }

  get announceOptions(): AnnounceOptions {
    return { condstore: this.enabled.condstore, qresync: this.enabled.qresync, rev2: this.enabled.rev2 };
  }

  /** Enters the authenticated state holding the keys; listens to the account's changes. */
  authenticate(auth: Authenticated): void {
    this.auth = auth;
    this.state = 'authenticated';
    this.#unsubscribe = this.core.events.subscribe(auth.accountId, (event) => this.#onEvent(event));
  }

  /** Wipes the keys and stops listening; idempotent. */
  end(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.auth) {
      const { keys, accountId } = this.auth;
      this.services.crypto.wipe(keys.masterKey, keys.privateKey, keys.publicKey);
      this.services.connections.remove(accountId);
      this.auth = undefined;
    }
    this.selected = undefined;
    this.#folders = undefined;
    this.#summaries.clear();
    this.state = 'logout';
  }

  // ---- folders ----------------------------------------------------------------------------

  /** Every folder with its decrypted name; cached until the account's folders change. */
  async folders(): Promise<NamedFolder[]> {
    if (!this.#folders) {
      const { accountId, keys } = this.account;
      this.#folders = await this.core.folderTree.list(accountId, keys);
    }
    return this.#folders;
  }

  async findFolder(name: string): Promise<NamedFolder | undefined> {
    const wanted = name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
    return (await this.folders()).find((entry) => entry.name === wanted);
  }

  /** Drops what the session can read again: an idle session should hold little memory
   * (and no decrypted content it is not using). */
  releaseCaches(): void {
    this.#summaries.clear();
  }

  forgetFolders(): void {
    this.#folders = undefined;
  }

  // ---- selected mailbox ---------------------------------------------------------------------

  /** Starts collecting the events of a folder that is being read for SELECT. */
  beginLoading(folderId: string): void {
    this.#loading = { folderId, events: [] };
  }

  /** Makes the view current and applies what changed while it was being read. */
  select(view: SelectedMailbox): void {
    const events = this.#loading?.folderId === view.folderId ? this.#loading.events : [];
    this.#loading = undefined;
    this.selected = view;
    for (const event of events) this.#onEvent(event);
    this.state = 'selected';
    this.savedSearch = [];
  }

  unselect(): void {
    this.#loading = undefined;
    this.selected = undefined;
    this.state = 'authenticated';
    this.savedSearch = [];
  }

  /** 0-based indexes into the view of the messages a set names, ascending. A message number
   * beyond the mailbox is an error (BAD); UIDs that do not exist are ignored. */
  resolve(set: SequenceSet, byUid: boolean): number[] {
    const view = this.view;
    if (set.kind === 'saved') {
      const indexes: number[] = [];
      for (const uid of this.savedSearch) {
        const index = view.indexOf(uid);
        if (index >= 0) indexes.push(index);
      }
      return indexes.sort((a, b) => a - b);
    }
    const seqs = byUid ? resolveUids(set.ranges, view.uidList()) : resolveSequenceNumbers(set.ranges, view.exists);
    return seqs.map((seq) => seq - 1);
  }

  /** The pending changes of other sessions as responses. `withExpunges` is false while a
   * command that uses sequence numbers runs: then only new messages are announced. */
  async announcements(withExpunges: boolean): Promise<Response[]> {
    const view = this.selected;
    if (!view) return [];
    const { accountId } = this.account;
    if (view.foldersChanged) {
      view.foldersChanged = false;
      try {
        await this.core.folders.get(accountId, view.folderId);
      } catch {
        this.mustClose = 'The selected mailbox was deleted';
        return [];
      }
    }
    const options = this.announceOptions;
    const responses: Response[] = [];
    if (withExpunges) {
      responses.push(...view.removeExpunged([...view.pendingExpunges], options));
      responses.push(...view.takeFlagAnnouncements(options));
    }
    if (view.newMessages) {
      view.newMessages = false;
      const records = await this.core.messages.list(accountId, view.folderId, { fromUid: view.lastUid + 1 });
      const recent = await this.claimRecent(view, records);
      responses.push(...view.addMessages(records, recent, options));
    }
    return responses;
  }

  /** \Recent for rev1: a read-write session claims the messages no session has seen. */
  async claimRecent(view: { folderId: string; readOnly: boolean }, messages: readonly { uid: number }[], snapshot?: FolderRecord): Promise<Set<number>> {
    if (view.readOnly || this.enabled.rev2 || messages.length === 0) return new Set();
    const uids = messages.map((message) => message.uid);
    return new Set(await this.core.mailbox.claimRecent(this.account.accountId, view.folderId, uids, snapshot));
  }

  // ---- message data -------------------------------------------------------------------------

  /** The summary of a message of the selected folder, if this session decrypted it before. */
  cachedSummary(uid: number): MessageSummary | undefined {
    return this.#summaries.get(`${this.view.folderId}/${uid}`);
  }

  async summaryOf(record: MessageRecord): Promise<MessageSummary> {
    const folderId = this.view.folderId;
    const key = `${folderId}/${record.uid}`;
    const cached = this.#summaries.get(key);
    if (cached) {
      this.#summaries.delete(key);
      this.#summaries.set(key, cached);
      return cached;
    }
    const { accountId, keys } = this.account;
    let summary = (await this.core.messages.readMetadata(keys, accountId, folderId, record)).summary;
    if (summary.v !== SUMMARY_VERSION) {
      // A summary of a version this code does not know counts as absent (mime/types.ts).
      const chunks: Uint8Array[] = [];
      for await (const chunk of this.core.messages.readBody(keys, accountId, folderId, record)) chunks.push(chunk);
      summary = analyzeMessage(Buffer.concat(chunks));
    }
    this.#summaries.set(key, summary);
    if (this.#summaries.size > SUMMARY_CACHE_ENTRIES) this.#summaries.delete(this.#summaries.keys().next().value!);
    return summary;
  }

  /** Records for view entries, in order; undefined where the message is gone. */
  records(indexes: readonly number[]): Promise<(MessageRecord | undefined)[]> {
    const view = this.view;
    return this.core.messages.getMany(
      this.account.accountId,
      view.folderId,
      indexes.map((index) => view.entries[index]!.uid),
    );
  }

  #onEvent(event: MailEvent): void {
    if (this.#loading && 'folderId' in event && event.folderId === this.#loading.folderId) {
      this.#loading.events.push(event);
      return;
    }
    const view = this.selected;
    switch (event.type) {
      case 'folders-changed':
        this.#folders = undefined;
        if (view) view.foldersChanged = true;
        break;
      case 'account-deleted':
        this.mustClose = 'The account was deleted';
        this.onMustClose?.();
        return;
      case 'key-slots-revoked':
        if (!this.auth || !event.slotIds.includes(this.auth.slotId)) return;
        this.mustClose = 'The app password was revoked';
        this.onMustClose?.();
        return;
      case 'message-added':
        if (view?.folderId !== event.folderId) return;
        view.newMessages = true;
        break;
      case 'flags-changed':
        if (view?.folderId !== event.folderId) return;
        view.onFlagsChanged(event.uid, event.flags, event.modSeq);
        break;
      case 'message-expunged':
        if (view?.folderId !== event.folderId) return;
        view.onExpunged(event.uid);
        this.#summaries.delete(`${event.folderId}/${event.uid}`);
        break;
    }
    this.onActivity?.();
  }
}
