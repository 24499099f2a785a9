// The mailbox as the page sees it: folders (names decrypted by the worker), the clear index
// of the open folder (uid, size, date, flags), summaries decrypted on demand for the rows on
// screen plus a margin, and the actions on messages. Summaries of a whole folder are
// decrypted only when sorting by sender or subject, threading or searching needs them.
import { SvelteSet } from 'svelte/reactivity';
import { api, type FolderInfo } from '../lib/api.ts';
import { callWorker } from '../lib/crypto-client.ts';
import { mailboxesOf, subjectOf } from '../lib/addresses.ts';
import { t, type MessageKey } from '../lib/i18n.svelte.ts';
import { threadRows, type ThreadRow } from '../lib/threads.ts';
import type { MessageSummary } from '../../../mime/types.ts';
import type { ParsedMessage } from '../lib/worker/protocol.ts';
import { session } from './session.svelte.ts';
import { toasts } from './toasts.svelte.ts';

export interface FolderView {
  id: string;
  specialUse: string | null;
  /** Full name with "/" between levels; default folders carry their display name. */
  name: string;
  /** The last level, or the translated name of a default folder. */
  label: string;
  depth: number;
  info: FolderInfo;
}

export interface Row {
  uid: number;
  size: number;
  date: number;
  flags: string[];
}

export type SortKey = 'date' | 'from' | 'subject' | 'size';

/** A live change of the mailbox, for stores that follow it (the search index). */
export type MailChange = { type: 'added' | 'expunged'; folderId: string; uid: number } | { type: 'folders-changed' } | { type: 'account-deleted' };

export interface OpenMessage {
  folderId: string;
  uid: number;
  parsed: ParsedMessage;
  summary: MessageSummary | undefined;
}

/** The most the metadata endpoint returns at once (server/web/routes/messages.ts). */
const METADATA_BATCH = 500;
const SPECIAL_ORDER = ['\\Inbox', '\\Drafts', '\\Sent', '\\Archive', '\\Junk', '\\Trash'];
export const SPECIAL_LABEL: Record<string, MessageKey> = {
  '\\Inbox': 'folder.inbox',
  '\\Drafts': 'folder.drafts',
  '\\Sent': 'folder.sent',
  '\\Junk': 'folder.junk',
  '\\Trash': 'folder.trash',
  '\\Archive': 'folder.archive',
};

const has = (flags: readonly string[], flag: string) => flags.includes(flag);

class Mail {
  folders = $state.raw<FolderView[]>([]);
  folderId = $state<string | null>(null);
  rows = $state.raw<Row[]>([]);
  loading = $state(false);
  /** Bumped whenever summaries arrive; views that show summaries read it. */
  summaryVersion = $state(0);
  sortKey = $state<SortKey>('date');
  descending = $state(true);
  threaded = $state(false);
  query = $state('');
  /** Progress of decrypting every summary of the folder (sort, thread, search). */
  indexing = $state<{ done: number; total: number } | null>(null);
  selected = new SvelteSet<number>();
  cursor = $state<number | null>(null);
  open = $state<OpenMessage | null>(null);
  opening = $state(false);

  #summaries = new Map<number, MessageSummary>();
  #contentKeys = new Map<number, string>();
  #unreadable = new Set<number>();
  #inFlight = new Set<number>();
  #generation = 0;
  #events: EventSource | undefined;
  readonly #changeListeners: ((change: MailChange) => void)[] = [];

  #rowByUid = $derived(new Map(this.rows.map((row) => [row.uid, row])));

  /** The rows in display order, after search, sort and threading. */
  display = $derived.by((): ThreadRow[] => {
    const needsSummaries = this.sortKey === 'from' || this.sortKey === 'subject' || this.threaded || this.query.trim() !== '';
    if (needsSummaries) void this.summaryVersion;
    const byUid = this.#rowByUid;
    let uids = this.rows.map((row) => row.uid);
    const query = this.query.trim().toLowerCase();
    if (query) uids = uids.filter((uid) => this.#matches(uid, query));
    if (this.threaded)
      return threadRows(
        uids,
        (uid) => byUid.get(uid)!.date,
        (uid) => this.#summaries.get(uid),
      );
    const key = this.#sortValue(byUid);
    const direction = this.descending ? -1 : 1;
    uids.sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return (x < y ? -1 : x > y ? 1 : a - b) * direction;
    });
    return uids.map((uid) => ({ uid, depth: 0, size: 1 }));
  });

  get folder(): FolderView | undefined {
    return this.folders.find((folder) => folder.id === this.folderId);
  }

  folderBySpecialUse(specialUse: string): FolderView | undefined {
    return this.folders.find((folder) => folder.specialUse === specialUse);
  }

  row(uid: number): Row | undefined {
    return this.#rowByUid.get(uid);
  }

  summary(uid: number): MessageSummary | undefined {
    return this.#summaries.get(uid);
  }

  isUnreadable(uid: number): boolean {
    return this.#unreadable.has(uid);
  }

  /** Every summary decrypted so far, for address autocomplete. */
  knownSummaries(): IterableIterator<MessageSummary> {
    return this.#summaries.values();
  }

  /** Calls `listener` with every live change of the mailbox, for good. */
  onChange(listener: (change: MailChange) => void): void {
    this.#changeListeners.push(listener);
  }

  async start(): Promise<void> {
    await this.loadFolders();
    this.#listen();
  }

  reset(): void {
    this.#events?.close();
    this.#events = undefined;
    this.#generation++;
    this.folders = [];
    this.folderId = null;
    this.#clearFolderView();
  }

  /** Forgets everything shown of the current folder, decrypted summaries and keys included. */
  #clearFolderView(): void {
    this.rows = [];
    this.open = null;
    this.selected.clear();
    this.cursor = null;
    this.query = '';
    this.indexing = null;
    this.#summaries.clear();
    this.#contentKeys.clear();
    this.#unreadable.clear();
    this.#inFlight.clear();
  }

  async loadFolders(): Promise<void> {
    const { folders } = await api.folders();
    const sealed = folders.filter((folder) => folder.encryptedName !== null).map((folder) => ({ id: folder.id, encryptedName: folder.encryptedName! }));
    const { names } = sealed.length > 0 ? await callWorker('openFolderNames', { folders: sealed }) : { names: {} as Record<string, string | null> };
    const views = folders.map((info): FolderView => {
      if (info.specialUse && !info.encryptedName) {
        const label = t(SPECIAL_LABEL[info.specialUse] ?? 'folder.unnamed');
        return { id: info.id, specialUse: info.specialUse, name: label, label, depth: 0, info };
      }
      const name = names[info.id] ?? t('folder.unreadable');
      const levels = name.split('/');
      return { id: info.id, specialUse: info.specialUse, name, label: levels[levels.length - 1]!, depth: levels.length - 1, info };
    });
    views.sort((a, b) => {
      const [x, y] = [SPECIAL_ORDER.indexOf(a.specialUse ?? ''), SPECIAL_ORDER.indexOf(b.specialUse ?? '')];
      if (x !== y) return (x < 0 ? 99 : x) - (y < 0 ? 99 : y);
      return a.name.localeCompare(b.name);
    });
    this.folders = views;
  }

  async selectFolder(folderId: string): Promise<void> {
    if (folderId === this.folderId && this.rows.length > 0) return;
    const generation = ++this.#generation;
    this.folderId = folderId;
    this.#clearFolderView();
    this.loading = true;
    try {
      const rows: Row[] = [];
      let afterUid = 0;
      for (;;) {
        const page = await api.index(folderId, afterUid);
        if (generation !== this.#generation) return;
        for (const [uid, size, date, , flags] of page.messages) rows.push({ uid, size, date, flags });
        if (page.nextAfterUid === null) break;
        afterUid = page.nextAfterUid;
      }
      // Painted once complete: the newest messages, shown first, come in the last page, so
      // painting earlier pages would decrypt rows that are about to move off screen.
      this.rows = rows;
    } catch (error) {
      this.#fail(error);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Decrypts the summaries of these messages if not done yet (the visible rows). */
  async ensureSummaries(uids: readonly number[]): Promise<void> {
    const folderId = this.folderId;
    if (!folderId) return;
    const missing = uids.filter((uid) => !this.#summaries.has(uid) && !this.#inFlight.has(uid) && !this.#unreadable.has(uid));
    if (missing.length === 0) return;
    for (const uid of missing) this.#inFlight.add(uid);
    const generation = this.#generation;
    try {
      for (let start = 0; start < missing.length; start += METADATA_BATCH) {
        const batch = missing.slice(start, start + METADATA_BATCH);
        const { messages } = await api.metadata(folderId, batch);
        if (generation !== this.#generation) return;
        const opened = await callWorker('openMetadata', { records: messages });
        if (generation !== this.#generation) return;
        for (const record of messages) this.#contentKeys.set(record.uid, record.contentKey);
        for (const { uid, summary } of opened.summaries) this.#summaries.set(uid, summary);
        for (const uid of opened.failed) this.#unreadable.add(uid);
        for (const rewrap of opened.rewraps) this.#contentKeys.set(rewrap.uid, rewrap.contentKey);
        if (opened.rewraps.length > 0) void api.rewrap(folderId, opened.rewraps).catch(() => undefined);
        this.summaryVersion++;
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      for (const uid of missing) this.#inFlight.delete(uid);
    }
  }

  /** Decrypts every summary of the folder, in the background, with progress. */
  async indexFolder(): Promise<void> {
    if (this.indexing) return;
    const generation = this.#generation;
    const missing = this.rows.map((row) => row.uid).filter((uid) => !this.#summaries.has(uid));
    if (missing.length === 0) return;
    this.indexing = { done: 0, total: missing.length };
    for (let start = 0; start < missing.length && generation === this.#generation; start += METADATA_BATCH) {
      await this.ensureSummaries(missing.slice(start, start + METADATA_BATCH));
      if (generation === this.#generation) this.indexing = { done: Math.min(start + METADATA_BATCH, missing.length), total: missing.length };
    }
    if (generation === this.#generation) this.indexing = null;
  }

  /** Opens a message of any folder (a search hit): that folder's list, then the message. The
   * search goes on in the new folder. */
  async openInFolder(folderId: string, uid: number): Promise<void> {
    const query = this.query;
    const listed = this.selectFolder(folderId);
    this.query = query;
    await listed;
    if (this.folderId === folderId) await this.openMessage(uid);
  }

  async openMessage(uid: number): Promise<void> {
    const folderId = this.folderId;
    if (!folderId) return;
    this.cursor = uid;
    this.opening = true;
    try {
      // Straight from the server when its summary is not in yet (or still on its way).
      const contentKey = this.#contentKeys.get(uid) ?? (await api.metadata(folderId, [uid])).messages[0]?.contentKey;
      if (!contentKey) throw new Error(t('mail.unreadable'));
      const ciphertext = await api.body(folderId, uid);
      const parsed = await callWorker('parseMessage', { contentKey, ciphertext }, [ciphertext]);
      if (folderId !== this.folderId) return;
      this.open = { folderId, uid, parsed, summary: this.#summaries.get(uid) };
      const row = this.row(uid);
      if (row && !has(row.flags, '\\Seen')) void this.setFlags([uid], 'add', ['\\Seen']);
    } catch (error) {
      this.#fail(error);
    } finally {
      this.opening = false;
    }
  }

  /** A raw message decrypted from its body's ciphertext (export). */
  async decryptRaw(contentKey: string, ciphertext: ArrayBuffer): Promise<Uint8Array> {
    const { plaintext } = await callWorker('decryptBody', { contentKey, ciphertext }, [ciphertext]);
    return new Uint8Array(plaintext);
  }

  closeMessage(): void {
    this.open = null;
  }

  async setFlags(uids: readonly number[], mode: 'add' | 'remove', flags: string[]): Promise<void> {
    const folderId = this.folderId;
    if (!folderId || uids.length === 0) return;
    this.#applyFlags(new Set(uids), mode, flags);
    try {
      await api.setFlags(folderId, [...uids], mode, flags);
    } catch (error) {
      this.#applyFlags(new Set(uids), mode === 'add' ? 'remove' : 'add', flags);
      this.#fail(error);
    }
  }

  toggleFlag(uids: readonly number[], flag: string): Promise<void> {
    const allSet = uids.every((uid) => has(this.row(uid)?.flags ?? [], flag));
    return this.setFlags(uids, allSet ? 'remove' : 'add', [flag]);
  }

  async moveTo(uids: readonly number[], targetId: string): Promise<void> {
    const folderId = this.folderId;
    if (!folderId || uids.length === 0 || targetId === folderId) return;
    try {
      await api.move(folderId, [...uids], targetId);
      this.#removeRows(new Set(uids));
      toasts.show(t('mail.moved', { count: uids.length }));
    } catch (error) {
      this.#fail(error);
    }
  }

  async copyTo(uids: readonly number[], targetId: string): Promise<void> {
    const folderId = this.folderId;
    if (!folderId || uids.length === 0) return;
    try {
      await api.copy(folderId, [...uids], targetId);
      toasts.show(t('mail.copied', { count: uids.length }));
    } catch (error) {
      this.#fail(error);
    }
  }

  /** To the Trash; from the Trash or Junk, for good. */
  async remove(uids: readonly number[]): Promise<void> {
    const folder = this.folder;
    if (!folder || uids.length === 0) return;
    const trash = this.folderBySpecialUse('\\Trash');
    if (!trash || folder.specialUse === '\\Trash' || folder.specialUse === '\\Junk') {
      try {
        await api.expunge(folder.id, [...uids]);
        this.#removeRows(new Set(uids));
        toasts.show(t('mail.deletedForGood', { count: uids.length }));
      } catch (error) {
        this.#fail(error);
      }
      return;
    }
    await this.moveTo(uids, trash.id);
  }

  async archive(uids: readonly number[]): Promise<void> {
    const archive = this.folderBySpecialUse('\\Archive');
    if (archive) await this.moveTo(uids, archive.id);
  }

  async createFolder(name: string): Promise<void> {
    const wanted = name
      .split('/')
      .map((level) => level.trim())
      .filter(Boolean);
    if (wanted.length === 0) return;
    // Parents first, as IMAP does: every folder's parent exists.
    for (let depth = 1; depth <= wanted.length; depth++) {
      const path = wanted.slice(0, depth).join('/');
      if (this.folders.some((folder) => folder.name === path && !folder.specialUse)) continue;
      const { sealed } = await callWorker('sealFolderName', { name: path });
      await api.createFolder(sealed);
    }
    await this.loadFolders();
  }

  async renameFolder(folderId: string, newName: string): Promise<void> {
    const folder = this.folders.find((candidate) => candidate.id === folderId);
    const target = newName
      .split('/')
      .map((level) => level.trim())
      .filter(Boolean)
      .join('/');
    if (!folder || !target || folder.specialUse) return;
    if (this.folders.some((candidate) => candidate.name === target)) throw new Error(t('folder.exists'));
    // The folder and everything below it move together.
    for (const candidate of this.folders) {
      if (candidate.specialUse || (candidate.name !== folder.name && !candidate.name.startsWith(`${folder.name}/`))) continue;
      const { sealed } = await callWorker('sealFolderName', { name: target + candidate.name.slice(folder.name.length) });
      await api.updateFolder(candidate.id, { encryptedName: sealed });
    }
    await this.loadFolders();
  }

  async deleteFolder(folderId: string): Promise<void> {
    const folder = this.folders.find((candidate) => candidate.id === folderId);
    if (!folder || folder.specialUse) return;
    if (this.folders.some((candidate) => candidate.name.startsWith(`${folder.name}/`))) throw new Error(t('folder.hasChildren'));
    await api.deleteFolder(folderId);
    await this.loadFolders();
  }

  #listen(): void {
    this.#events?.close();
    const events = new EventSource('/api/events');
    this.#events = events;
    const data = (event: Event) => JSON.parse((event as MessageEvent<string>).data) as { folderId?: string; uid?: number; flags?: string[] };
    const announce = (change: MailChange) => {
      for (const listener of this.#changeListeners) listener(change);
    };
    events.addEventListener('message-added', (event) => {
      const { folderId, uid } = data(event);
      if (folderId !== undefined && uid !== undefined) announce({ type: 'added', folderId, uid });
      void this.#refreshCounts();
      if (folderId === this.folderId) void this.#fetchNewRows();
    });
    events.addEventListener('flags-changed', (event) => {
      const { folderId, uid, flags } = data(event);
      if (folderId === this.folderId && uid !== undefined && flags) this.rows = this.rows.map((row) => (row.uid === uid ? { ...row, flags } : row));
      void this.#refreshCounts();
    });
    events.addEventListener('message-expunged', (event) => {
      const { folderId, uid } = data(event);
      if (folderId !== undefined && uid !== undefined) announce({ type: 'expunged', folderId, uid });
      if (folderId === this.folderId && uid !== undefined) this.#removeRows(new Set([uid]));
      void this.#refreshCounts();
    });
    events.addEventListener('folders-changed', () => {
      announce({ type: 'folders-changed' });
      void this.loadFolders().catch(() => undefined);
    });
    events.addEventListener('account-deleted', () => {
      announce({ type: 'account-deleted' });
      void session.logout();
    });
  }

  async #fetchNewRows(): Promise<void> {
    const folderId = this.folderId;
    if (!folderId || this.loading) return;
    const generation = this.#generation;
    const highest = this.rows.reduce((max, row) => Math.max(max, row.uid), 0);
    try {
      const page = await api.index(folderId, highest);
      if (generation !== this.#generation) return;
      const known = new Set(this.rows.map((row) => row.uid));
      const added = page.messages.filter(([uid]) => !known.has(uid)).map(([uid, size, date, , flags]) => ({ uid, size, date, flags }));
      if (added.length > 0) this.rows = [...this.rows, ...added];
    } catch (error) {
      this.#fail(error);
    }
  }

  async #refreshCounts(): Promise<void> {
    try {
      const { folders } = await api.folders();
      const byId = new Map(folders.map((folder) => [folder.id, folder]));
      this.folders = this.folders.map((folder) => ({ ...folder, info: byId.get(folder.id) ?? folder.info }));
    } catch (error) {
      this.#fail(error);
    }
  }

  #applyFlags(uids: Set<number>, mode: 'add' | 'remove', flags: string[]): void {
    this.rows = this.rows.map((row) => {
      if (!uids.has(row.uid)) return row;
      const next = mode === 'add' ? [...row.flags, ...flags.filter((flag) => !has(row.flags, flag))] : row.flags.filter((flag) => !flags.includes(flag));
      return { ...row, flags: next };
    });
  }

  #removeRows(uids: Set<number>): void {
    this.rows = this.rows.filter((row) => !uids.has(row.uid));
    for (const uid of uids) {
      this.selected.delete(uid);
      this.#summaries.delete(uid);
    }
    if (this.open && uids.has(this.open.uid)) this.open = null;
    if (this.cursor !== null && uids.has(this.cursor)) this.cursor = null;
  }

  #sortValue(byUid: Map<number, Row>): (uid: number) => string | number {
    switch (this.sortKey) {
      case 'size':
        return (uid) => byUid.get(uid)!.size;
      case 'from':
        return (uid) => this.#summaries.get(uid)?.sortKeys.displayFrom ?? '\uffff';
      case 'subject':
        return (uid) => this.#summaries.get(uid)?.sortKeys.subject ?? '\uffff';
      default:
        return (uid) => byUid.get(uid)!.date;
    }
  }

  #matches(uid: number, query: string): boolean {
    const summary = this.#summaries.get(uid);
    if (!summary) return false;
    const { envelope } = summary;
    const haystack = [
      subjectOf(envelope),
      ...[...mailboxesOf(envelope.from), ...mailboxesOf(envelope.to), ...mailboxesOf(envelope.cc)].flatMap((mailbox) => [mailbox.name, mailbox.address]),
      summary.preview,
      ...summary.attachments.map((attachment) => attachment.filename ?? ''),
    ]
      .join('\n')
      .toLowerCase();
    return query.split(/\s+/).every((word) => haystack.includes(word));
  }

  #fail(error: unknown): void {
    if (session.handleExpired(error)) return;
    toasts.show(error instanceof Error ? error.message : String(error), 'error');
  }
}

export const mail = new Mail();
session.onLogout(() => mail.reset());
