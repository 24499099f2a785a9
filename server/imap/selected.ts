// The selected mailbox as one session sees it: its own message sequence numbers (RFC 3501
// 2.3.1.2), the flags and MODSEQ it has been told, and the changes other sessions made that
// it has not been told yet. Changes arrive as core events at any time; they are announced
// only when the session calls `pendingResponses` at a moment the protocol allows (never
// an EXPUNGE while a command that uses sequence numbers runs, RFC 3501 7.4.1).
import type { MessageRecord } from '../core/records.ts';
import type { SnapshotEntry } from './folder-snapshots.ts';
import type { Response } from './proto/index.ts';

export interface ViewEntry {
  uid: number;
  flags: string[];
  modSeq: number;
  size: number;
  internalDate: number;
  /** \Recent in this session (IMAP4rev1 only). */
  recent: boolean;
}

export interface SelectedOptions {
  folderId: string;
  name: string;
  readOnly: boolean;
  uidValidity: number;
  highestModSeq: number;
  /** The folder's messages (shared: copied here, since a view changes its own). */
  messages: readonly SnapshotEntry[];
  /** UIDs that are \Recent for this session. */
  recent: ReadonlySet<number>;
}

/** What the announcements must carry, from what the client enabled. */
export interface AnnounceOptions {
  condstore: boolean;
  qresync: boolean;
  rev2: boolean;
}

export function entryOf(message: SnapshotEntry, recent: boolean): ViewEntry {
  return { uid: message.uid, flags: message.flags, modSeq: message.modSeq, size: message.size, internalDate: message.internalDate, recent };
}

export class SelectedMailbox {
  readonly folderId: string;
  readonly name: string;
  readonly readOnly: boolean;
  readonly uidValidity: number;
  /** In ascending UID order; index + 1 is the sequence number. */
  entries: ViewEntry[];
  /** The highest MODSEQ of every change the session has been told about. */
  highestModSeq: number;
  /** Expunged elsewhere, still numbered here until announced. */
  readonly pendingExpunges = new Set<number>();
  /** Flags changed elsewhere, not yet announced with FETCH. */
  readonly pendingFlags = new Set<number>();
  /** A message was added; the next announcement loads and counts it. */
  newMessages = false;
  /** The folder list changed: check that this one still exists. */
  foldersChanged = false;

  constructor(options: SelectedOptions) {
    this.folderId = options.folderId;
    this.name = options.name;
    this.readOnly = options.readOnly;
    this.uidValidity = options.uidValidity;
    this.highestModSeq = options.highestModSeq;
    this.entries = options.messages.map((message) => entryOf(message, options.recent.has(message.uid)));
  }

  get exists(): number {
    return this.entries.length;
  }

  get lastUid(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.uid : 0;
  }

  get recentCount(): number {
    let count = 0;
    for (const entry of this.entries) if (entry.recent) count += 1;
    return count;
  }

  /** Index of the entry with this UID, or -1. */
  indexOf(uid: number): number {
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const candidate = this.entries[middle]!.uid;
      if (candidate === uid) return middle;
      if (candidate < uid) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  uidList(): number[] {
    return this.entries.map((entry) => entry.uid);
  }

  onFlagsChanged(uid: number, flags: string[], modSeq: number): void {
    const index = this.indexOf(uid);
    if (index < 0) return;
    const entry = this.entries[index]!;
    if (modSeq <= entry.modSeq) return;
    entry.flags = flags;
    entry.modSeq = modSeq;
    this.pendingFlags.add(uid);
  }

  onExpunged(uid: number): void {
    if (this.indexOf(uid) >= 0) this.pendingExpunges.add(uid);
  }

  /** The session told the client about its own change: nothing left to announce for it. */
  acknowledgeFlags(uid: number, flags: string[], modSeq: number): void {
    const index = this.indexOf(uid);
    if (index < 0) return;
    const entry = this.entries[index]!;
    if (modSeq >= entry.modSeq) {
      entry.flags = flags;
      entry.modSeq = modSeq;
      this.pendingFlags.delete(uid);
    }
    if (modSeq > this.highestModSeq) this.highestModSeq = modSeq;
  }

  /**
   * Removes expunged messages and returns the responses that tell it: EXPUNGE with the
   * sequence number each had at that moment (ascending, as RFC 3501 7.4.1 shows), or one
   * VANISHED with QRESYNC (RFC 7162 3.2.10).
   */
  removeExpunged(uids: Iterable<number>, options: AnnounceOptions): Response[] {
    const gone = new Set<number>();
    for (const uid of uids) {
      if (this.indexOf(uid) >= 0) gone.add(uid);
      this.pendingExpunges.delete(uid);
      this.pendingFlags.delete(uid);
    }
    if (gone.size === 0) return [];
    const responses: Response[] = [];
    const kept: ViewEntry[] = [];
    let removed = 0;
    this.entries.forEach((entry, index) => {
      if (!gone.has(entry.uid)) {
        kept.push(entry);
        return;
      }
      if (!options.qresync) responses.push({ type: 'expunge', seq: index + 1 - removed });
      removed += 1;
    });
    this.entries = kept;
    if (options.qresync) responses.push({ type: 'vanished', earlier: false, uids: [...gone] });
    return responses;
  }

  /** Unsolicited FETCH responses for flags changed elsewhere. */
  takeFlagAnnouncements(options: AnnounceOptions): Response[] {
    const responses: Response[] = [];
    for (const uid of [...this.pendingFlags].sort((a, b) => a - b)) {
      const index = this.indexOf(uid);
      if (index < 0) continue;
      const entry = this.entries[index]!;
      responses.push(flagsFetch(index + 1, entry, options));
      if (entry.modSeq > this.highestModSeq) this.highestModSeq = entry.modSeq;
    }
    this.pendingFlags.clear();
    return responses;
  }

  /** Appends newly added messages; returns the EXISTS (and RECENT) that announce them. */
  addMessages(records: readonly MessageRecord[], recent: ReadonlySet<number>, options: AnnounceOptions): Response[] {
    const lastUid = this.lastUid;
    let added = 0;
    for (const record of records) {
      if (record.uid <= lastUid) continue;
      this.entries.push(entryOf(record, recent.has(record.uid)));
      if (record.modSeq > this.highestModSeq) this.highestModSeq = record.modSeq;
      added += 1;
    }
    if (added === 0) return [];
    const responses: Response[] = [{ type: 'exists', count: this.entries.length }];
    if (!options.rev2) responses.push({ type: 'recent', count: this.recentCount });
    return responses;
  }
}

/** FETCH (UID n FLAGS (...) [MODSEQ (m)]) for one message. */
export function flagsFetch(seq: number, entry: ViewEntry, options: AnnounceOptions): Response {
  const flags = entry.recent && !options.rev2 ? [...entry.flags, '\\Recent'] : entry.flags;
  return {
    type: 'fetch',
    seq,
    items: [
      { item: 'UID', uid: entry.uid },
      { item: 'FLAGS', flags },
      ...(options.condstore ? [{ item: 'MODSEQ' as const, modSeq: BigInt(entry.modSeq) }] : []),
    ],
  };
}
