// What SELECT needs of a folder — UIDs, flags, MODSEQs, sizes and dates, never content —
// kept in memory for all sessions of the process and brought up to date by the core's
// events, so that selecting a folder reads one folder record instead of every message
// record (10,000 of them in a big Inbox). A snapshot is used only when it reflects at
// least the folder's HIGHESTMODSEQ as just read from the store; otherwise it is rebuilt.
// Bounded by the number of messages held; the least recently used folders go first.
// What is held here is what docs/design.md promise 1 already allows in clear at rest.
import type { MailEvent } from '../core/events.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { FolderRecord, MessageRecord } from '../core/records.ts';

/** Messages held over all snapshots: about 100 bytes each, so some 20 MB at most. */
const MAX_MESSAGES = 200_000;

export interface SnapshotEntry {
  uid: number;
  flags: string[];
  modSeq: number;
  size: number;
  internalDate: number;
}

interface Snapshot {
  entries: SnapshotEntry[];
  /** Highest MODSEQ reflected. */
  modSeq: number;
  /** Added messages not loaded yet: every UID from this one on. */
  addedFrom: number | undefined;
  /** While the store is being read: the events that arrive meanwhile, applied after. */
  buffered: MailEvent[] | undefined;
  /** The read in progress; every caller waits for it. */
  reading: Promise<void> | undefined;
}

const entryOf = (record: MessageRecord): SnapshotEntry => ({
  uid: record.uid,
  flags: record.flags,
  modSeq: record.modSeq,
  size: record.size,
  internalDate: record.internalDate,
});

export class FolderSnapshots {
  readonly #core: MailCore;
  /** `accountId/folderId` → snapshot, least recently used first. */
  readonly #snapshots = new Map<string, Snapshot>();
  readonly #subscriptions = new Map<string, () => void>();
  #held = 0;

  constructor(core: MailCore) {
    this.#core = core;
  }

  /** The folder's messages as of at least `folder` (a record just read), ascending by UID.
   * Entries are shared: callers copy what they change. */
  async entries(accountId: string, folder: FolderRecord): Promise<readonly SnapshotEntry[]> {
    const key = `${accountId}/${folder.id}`;
    this.#subscribe(accountId);
    let snapshot = this.#snapshots.get(key);
    if (!snapshot) {
      snapshot = { entries: [], modSeq: 0, addedFrom: undefined, buffered: undefined, reading: undefined };
      this.#snapshots.set(key, snapshot);
      await this.#read(snapshot, () => this.#rebuild(accountId, folder, snapshot!));
    }
    this.#snapshots.delete(key);
    this.#snapshots.set(key, snapshot);
    while (snapshot.reading) await snapshot.reading;
    if (snapshot.addedFrom !== undefined) await this.#read(snapshot, () => this.#loadAdded(accountId, folder.id, snapshot!));
    if (snapshot.modSeq < folder.highestModSeq) await this.#read(snapshot, () => this.#rebuild(accountId, folder, snapshot!));
    this.#evict();
    return snapshot.entries;
  }

  /** Runs one read of the store for a snapshot, holding back events until it is done. */
  async #read(snapshot: Snapshot, work: () => Promise<void>): Promise<void> {
    while (snapshot.reading) await snapshot.reading;
    snapshot.buffered = [];
    snapshot.reading = work().finally(() => {
      snapshot.reading = undefined;
      const events = snapshot.buffered ?? [];
      snapshot.buffered = undefined;
      for (const event of events) this.#apply(snapshot, event);
    });
    await snapshot.reading;
  }

  async #rebuild(accountId: string, folder: FolderRecord, snapshot: Snapshot): Promise<void> {
    const records = await this.#core.messages.list(accountId, folder.id);
    this.#held += records.length - snapshot.entries.length;
    snapshot.entries = records.map(entryOf);
    snapshot.addedFrom = undefined;
    snapshot.modSeq = folder.highestModSeq;
    for (const record of records) if (record.modSeq > snapshot.modSeq) snapshot.modSeq = record.modSeq;
  }

  async #loadAdded(accountId: string, folderId: string, snapshot: Snapshot): Promise<void> {
    const from = snapshot.addedFrom!;
    snapshot.addedFrom = undefined;
    const records = await this.#core.messages.list(accountId, folderId, { fromUid: from });
    const last = snapshot.entries.length > 0 ? snapshot.entries[snapshot.entries.length - 1]!.uid : 0;
    for (const record of records) {
      if (record.uid > last) {
        snapshot.entries.push(entryOf(record));
        this.#held += 1;
      }
      if (record.modSeq > snapshot.modSeq) snapshot.modSeq = record.modSeq;
    }
  }

  #apply(snapshot: Snapshot, event: MailEvent): void {
    if (snapshot.buffered) {
      snapshot.buffered.push(event);
      return;
    }
    if (!('modSeq' in event)) return;
    if (event.modSeq > snapshot.modSeq) snapshot.modSeq = event.modSeq;
    switch (event.type) {
      case 'message-added':
        snapshot.addedFrom = Math.min(snapshot.addedFrom ?? event.uid, event.uid);
        break;
      case 'flags-changed': {
        const entry = snapshot.entries[indexOf(snapshot.entries, event.uid)];
        if (entry && event.modSeq > entry.modSeq) {
          entry.flags = event.flags;
          entry.modSeq = event.modSeq;
        }
        break;
      }
      case 'message-expunged': {
        const index = indexOf(snapshot.entries, event.uid);
        if (index >= 0) {
          snapshot.entries.splice(index, 1);
          this.#held -= 1;
        }
        break;
      }
    }
  }

  #subscribe(accountId: string): void {
    if (this.#subscriptions.has(accountId)) return;
    this.#subscriptions.set(
      accountId,
      this.#core.events.subscribe(accountId, (event) => {
        if (event.type === 'account-deleted') return this.#drop((key) => key.startsWith(`${accountId}/`));
        if (!('folderId' in event)) return;
        const snapshot = this.#snapshots.get(`${accountId}/${event.folderId}`);
        if (snapshot) this.#apply(snapshot, event);
      }),
    );
  }

  /** Drops the least recently used snapshots beyond the bound. */
  #evict(): void {
    const victims = new Set<string>();
    let held = this.#held;
    for (const [key, snapshot] of this.#snapshots) {
      if (held <= MAX_MESSAGES) break;
      if (snapshot.reading) continue;
      victims.add(key);
      held -= snapshot.entries.length;
    }
    if (victims.size > 0) this.#drop((key) => victims.has(key));
  }

  #drop(matches: (key: string) => boolean): void {
    for (const [key, snapshot] of this.#snapshots) {
      if (!matches(key) || snapshot.reading) continue;
      this.#snapshots.delete(key);
      this.#held -= snapshot.entries.length;
    }
    for (const accountId of [...this.#subscriptions.keys()]) {
      if ([...this.#snapshots.keys()].some((key) => key.startsWith(`${accountId}/`))) continue;
      this.#subscriptions.get(accountId)!();
      this.#subscriptions.delete(accountId);
    }
  }
}

function indexOf(entries: readonly SnapshotEntry[], uid: number): number {
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const candidate = entries[middle]!.uid;
    if (candidate === uid) return middle;
    if (candidate < uid) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
