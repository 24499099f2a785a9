// Changes to the messages of a folder that every front-end shares: flags (with MODSEQ and
// UNCHANGEDSINCE, RFC 7162), expunge (with tombstones for QRESYNC), copy and move between
// folders of one account (keeping the ciphertext: same blob, one more reference), and the
// removal of a whole folder. Each operation is one account transaction, so concurrent
// sessions see changes in MODSEQ order, and an event per message tells the other sessions.
import type { MailboxKeys } from '../../crypto/api.ts';
import type { Transaction } from './account-writer.ts';
import type { CoreContext } from './context.ts';
import type { DeletionWatch } from './deletion-watch.ts';
import { MailError } from './errors.ts';
import { adjustCounts, applyFlags, normalizeFlags, sameFlags, type FlagUpdateMode } from './flags.ts';
import { keyRange } from './erasure.ts';
import { END, keys } from './keys.ts';
import { decodeRecord, encodeRecord, fromBase64, toBase64, type AccountRecord, type FolderRecord, type MessageRecord, type UsageRecord } from './records.ts';

export type { FlagUpdateMode } from './flags.ts';

export interface FlagUpdate {
  mode: FlagUpdateMode;
  flags: string[];
  /** RFC 7162 UNCHANGEDSINCE: messages whose MODSEQ is higher are not changed. */
  unchangedSince?: number;
}

export interface FlagUpdateResult {
  updated: { uid: number; flags: string[]; modSeq: number }[];
  /** UIDs refused by UNCHANGEDSINCE (the MODIFIED response code). */
  modified: number[];
  highestModSeq: number;
}

export interface ExpungeResult {
  expunged: number[];
  highestModSeq: number;
}

export interface CopyResult {
  /** UIDVALIDITY of the target folder, for COPYUID. */
  uidValidity: number;
  /** Pairs, element by element, in ascending source UID order; missing UIDs are skipped. */
  sourceUids: number[];
  destinationUids: number[];
  /** MOVE only: the source UIDs now expunged, and the source folder's new HIGHESTMODSEQ. */
  expunged: number[];
  sourceHighestModSeq: number;
}

export class Mailbox {
  readonly #context: CoreContext;
  readonly #deletionWatch: DeletionWatch | undefined;
  /** `accountId/folderId` → first UID not yet claimed as \Recent, until stored. */
  readonly #recentClaims = new Map<string, number>();

  /** `deletionWatch` counts what users delete (a notice after many deletions in a day). */
  constructor(context: CoreContext, deletionWatch?: DeletionWatch) {
    this.#context = context;
    this.#deletionWatch = deletionWatch;
  }

  async setFlags(accountId: string, folderId: string, uids: readonly number[], update: FlagUpdate): Promise<FlagUpdateResult> {
    const requested = normalizeFlags(update.flags);
    return this.#context.writer.run(accountId, async (txn) => {
      const folder = await this.#folder(txn, accountId, folderId);
      const modSeq = folder.highestModSeq + 1;
      const result: FlagUpdateResult = { updated: [], modified: [], highestModSeq: folder.highestModSeq };
      for (const uid of uids) {
        const value = await txn.get(keys.message(accountId, folderId, uid));
        if (!value) continue;
        const message = decodeRecord<MessageRecord>(value);
        if (update.unchangedSince !== undefined && message.modSeq > update.unchangedSince) {
          result.modified.push(uid);
          continue;
        }
        const flags = applyFlags(message.flags, update.mode, requested);
        if (sameFlags(flags, message.flags)) continue;
        adjustCounts(folder, message.flags, -1);
        adjustCounts(folder, flags, 1);
        message.flags = flags;
        message.modSeq = modSeq;
        txn.put(keys.message(accountId, folderId, uid), encodeRecord(message));
        result.updated.push({ uid, flags, modSeq });
      }
      if (result.updated.length > 0) {
        folder.highestModSeq = modSeq;
        result.highestModSeq = modSeq;
        txn.put(keys.folder(accountId, folderId), encodeRecord(folder));
        txn.afterCommit(() => {
          for (const { uid, flags } of result.updated) {
            this.#context.events.publish({ type: 'flags-changed', accountId, folderId, uid, modSeq, flags });
          }
        });
      }
      return result;
    });
  }

  /** Removes messages for good; their blobs go when no copy references them any more.
   * `onlyDeleted` (IMAP EXPUNGE) skips messages that lost \Deleted meanwhile. `byRetention`
   * marks the retention job's removals, which the deletion watch does not count. */
  async expunge(
    accountId: string,
    folderId: string,
    uids: readonly number[],
    options: { onlyDeleted?: boolean; byRetention?: boolean } = {},
  ): Promise<ExpungeResult> {
    const orphanedBlobs: string[] = [];
    const result = await this.#context.writer.run(accountId, async (txn) => {
      const folder = await this.#folder(txn, accountId, folderId);
      const usage = await this.#usage(txn, accountId);
      const modSeq = folder.highestModSeq + 1;
      const expunged: number[] = [];
      for (const uid of [...new Set(uids)].sort((a, b) => a - b)) {
        const value = await txn.get(keys.message(accountId, folderId, uid));
        if (!value) continue;
        const message = decodeRecord<MessageRecord>(value);
        if (options.onlyDeleted && !message.flags.includes('\\Deleted')) continue;
        this.#removeFromFolder(txn, accountId, folder, message, modSeq);
        usage.messages = Math.max(0, usage.messages - 1);
        usage.bytes = Math.max(0, usage.bytes - message.size);
        await this.#dropReference(txn, accountId, message.blobId, orphanedBlobs);
        expunged.push(uid);
      }
      if (expunged.length > 0) {
        folder.highestModSeq = modSeq;
        txn.put(keys.folder(accountId, folderId), encodeRecord(folder));
        txn.put(keys.usage(accountId), encodeRecord(usage));
        txn.afterCommit(() => {
          for (const uid of expunged) this.#context.events.publish({ type: 'message-expunged', accountId, folderId, uid, modSeq });
        });
      }
      return { expunged, highestModSeq: folder.highestModSeq };
    });
    if (result.expunged.length > 0) {
      this.#markForErasure(
        accountId,
        folderId,
        result.expunged.map((uid) => keys.message(accountId, folderId, uid)),
      );
    }
    await this.#deleteBlobs(orphanedBlobs);
    if (!options.byRetention) this.#watchDeletions(accountId, result.expunged.length);
    return result;
  }

  /**
   * Copies (or moves) messages to another folder of the same account without re-encrypting
   * anything: the copy references the same body blob and metadata ciphertext. A session
   * holding the keys rewraps a still-sealed content key on the way (lazy rewrap). A copy
   * counts against the quota like any message; a move does not change the usage.
   */
  async copy(
    accountId: string,
    fromFolderId: string,
    uids: readonly number[],
    toFolderId: string,
    options: { move?: boolean; keys?: MailboxKeys } = {},
  ): Promise<CopyResult> {
    const { crypto } = this.#context;
    const move = options.move ?? false;
    return this.#context.writer.run(accountId, async (txn) => {
      const source = await this.#folder(txn, accountId, fromFolderId);
      const target = fromFolderId === toFolderId ? source : await this.#folder(txn, accountId, toFolderId);
      const usage = await this.#usage(txn, accountId);
      const accountValue = await txn.get(keys.account(accountId));
      if (!accountValue) throw new MailError('ACCOUNT_NONEXISTENT', 'no such account');
      const quota = decodeRecord<AccountRecord>(accountValue).quotaBytes;
      const sourceModSeq = source.highestModSeq + 1;
      // Copying into the same folder gives the copies the MODSEQ after the expunge's.
      const targetModSeq = target === source ? sourceModSeq + 1 : target.highestModSeq + 1;
      const result: CopyResult = {
        uidValidity: target.uidValidity,
        sourceUids: [],
        destinationUids: [],
        expunged: [],
        sourceHighestModSeq: source.highestModSeq,
      };
      const added: { uid: number; modSeq: number }[] = [];
      for (const uid of [...new Set(uids)].sort((a, b) => a - b)) {
        const value = await txn.get(keys.message(accountId, fromFolderId, uid));
        if (!value) continue;
        const message = decodeRecord<MessageRecord>(value);
        if (!move) {
          if (usage.bytes + message.size > quota) throw new MailError('QUOTA_EXCEEDED', 'the copy would exceed the mailbox quota');
          usage.bytes += message.size;
          usage.messages += 1;
          const refsKey = keys.blobRefs(accountId, message.blobId);
          const refsValue = await txn.get(refsKey);
          txn.put(refsKey, encodeRecord((refsValue ? decodeRecord<number>(refsValue) : 1) + 1));
        }
        let contentKey = message.contentKey;
        if (options.keys && crypto.isSealedContentKey(fromBase64(contentKey))) {
          const opened = crypto.openContentKey(fromBase64(contentKey), options.keys);
          contentKey = toBase64(crypto.wrapContentKey(opened, options.keys.masterKey));
          crypto.wipe(opened);
        }
        if (move) {
          this.#removeFromFolder(txn, accountId, source, message, sourceModSeq);
          result.expunged.push(uid);
        }
        const copy: MessageRecord = { ...message, uid: target.uidNext, modSeq: targetModSeq, contentKey };
        target.uidNext += 1;
        target.messages += 1;
        target.bytes += copy.size;
        adjustCounts(target, copy.flags, 1);
        txn.put(keys.message(accountId, toFolderId, copy.uid), encodeRecord(copy));
        result.sourceUids.push(uid);
        result.destinationUids.push(copy.uid);
        added.push({ uid: copy.uid, modSeq: targetModSeq });
      }
      if (added.length === 0) return result;
      target.highestModSeq = targetModSeq;
      txn.put(keys.folder(accountId, toFolderId), encodeRecord(target));
      if (move && source !== target) {
        source.highestModSeq = sourceModSeq;
        txn.put(keys.folder(accountId, fromFolderId), encodeRecord(source));
      }
      result.sourceHighestModSeq = source.highestModSeq;
      if (!move) txn.put(keys.usage(accountId), encodeRecord(usage));
      txn.afterCommit(() => {
        for (const uid of result.expunged) {
          this.#context.events.publish({ type: 'message-expunged', accountId, folderId: fromFolderId, uid, modSeq: sourceModSeq });
        }
        for (const { uid, modSeq } of added) {
          this.#context.events.publish({ type: 'message-added', accountId, folderId: toFolderId, uid, modSeq });
        }
      });
      return result;
    });
  }

  /**
   * Claims, among `candidates` (UIDs a session is about to show), the messages no session
   * has seen yet: they are \Recent for the caller alone (RFC 3501 2.3.2). The claim is
   * decided in memory at once and stored in the background: a session announcing new mail
   * to an IDLE client must not wait for a disk write, and a claim lost in a crash only makes
   * a message recent once more. `snapshot` (a folder record the caller just read) spares
   * the read when it shows that there is nothing to claim.
   */
  async claimRecent(accountId: string, folderId: string, candidates: readonly number[], snapshot?: FolderRecord): Promise<number[]> {
    if (candidates.length === 0) return [];
    const key = `${accountId}/${folderId}`;
    const highest = Math.max(...candidates);
    // A snapshot can only be behind (claims only move forward): if even it says that
    // everything was claimed, nothing is left to claim.
    if (snapshot && highest < Math.max(snapshot.firstRecentUid, this.#recentClaims.get(key) ?? 0)) return [];
    let stored = 0;
    if (!this.#recentClaims.has(key)) {
      // No claim in flight: the stored record is current (an entry leaves the map only
      // once its claim is stored).
      const current = await this.#context.store.kv.get(keys.folder(accountId, folderId));
      if (!current) throw new MailError('MAILBOX_NONEXISTENT', 'no such folder');
      stored = decodeRecord<FolderRecord>(current).firstRecentUid;
    }
    // Read after the await: another session may have claimed meanwhile.
    const first = Math.max(stored, this.#recentClaims.get(key) ?? 0);
    const claimed = candidates.filter((uid) => uid >= first);
    if (claimed.length === 0) return [];
    const next = Math.max(...claimed) + 1;
    this.#recentClaims.set(key, next);
    void this.#storeRecentClaim(accountId, folderId, key, next);
    return claimed;
  }

  /** The first UID of a folder that is still \Recent (claims not yet stored included). */
  firstRecentUid(accountId: string, folder: FolderRecord): number {
    return Math.max(folder.firstRecentUid, this.#recentClaims.get(`${accountId}/${folder.id}`) ?? 0);
  }

  async #storeRecentClaim(accountId: string, folderId: string, key: string, next: number): Promise<void> {
    try {
      await this.#context.writer.run(accountId, async (txn) => {
        const value = await txn.get(keys.folder(accountId, folderId));
        if (!value) return;
        const folder = decodeRecord<FolderRecord>(value);
        if (folder.firstRecentUid >= next) return;
        folder.firstRecentUid = next;
        txn.put(keys.folder(accountId, folderId), encodeRecord(folder));
      });
    } catch {
      // Only \Recent is at stake: the claim stays in memory, and a lost one is harmless.
      return;
    }
    if (this.#recentClaims.get(key) === next) this.#recentClaims.delete(key);
  }

  /** UIDs expunged from a folder after MODSEQ `modSeq` (QRESYNC VANISHED), ascending. */
  async vanishedSince(accountId: string, folderId: string, modSeq: number): Promise<number[]> {
    const prefix = keys.expungedPrefix(accountId, folderId);
    const uids: number[] = [];
    for await (const [key] of this.#context.store.kv.iterate({ gte: prefix + keys.pad16(modSeq + 1), lt: prefix + END })) {
      uids.push(Number(key.slice(key.lastIndexOf('/') + 1)));
    }
    return uids.sort((a, b) => a - b);
  }

  /**
   * Deletes a folder and everything in it. The folder record goes first, so that no
   * delivery can add to it meanwhile; then its messages (releasing their blobs and quota)
   * and its tombstones. A crash in between leaves only records no folder points to.
   */
  async deleteFolder(accountId: string, folderId: string): Promise<void> {
    const { kv } = this.#context.store;
    await this.#context.writer.run(accountId, async (txn) => {
      await this.#folder(txn, accountId, folderId);
      txn.del(keys.folder(accountId, folderId));
      txn.afterCommit(() => this.#context.events.publish({ type: 'folders-changed', accountId }));
    });
    const prefix = keys.messagePrefix(accountId, folderId);
    const messageKeys: string[] = [];
    for await (const [key] of kv.iterate({ gte: prefix, lt: prefix + END })) messageKeys.push(key);
    const orphanedBlobs: string[] = [];
    if (messageKeys.length > 0) {
      await this.#context.writer.run(accountId, async (txn) => {
        const usage = await this.#usage(txn, accountId);
        for (const key of messageKeys) {
          const value = await txn.get(key);
          if (!value) continue;
          const message = decodeRecord<MessageRecord>(value);
          txn.del(key);
          usage.messages = Math.max(0, usage.messages - 1);
          usage.bytes = Math.max(0, usage.bytes - message.size);
          await this.#dropReference(txn, accountId, message.blobId, orphanedBlobs);
        }
        txn.put(keys.usage(accountId), encodeRecord(usage));
      });
    }
    this.#watchDeletions(accountId, messageKeys.length);
    const gone = keys.expungedPrefix(accountId, folderId);
    await kv.clearRange({ gte: gone, lt: gone + END });
    this.#markForErasure(accountId, folderId, messageKeys);
    this.#context.pendingErasure.mark(keyRange(keys.folder(accountId, folderId)), [keys.folder(accountId, folderId)]);
    await this.#deleteBlobs(orphanedBlobs);
  }

  /** The folder's deleted records (and with them the content keys) leave the store's files
   * at the next erasure run (docs/design.md promise 8). */
  #markForErasure(accountId: string, folderId: string, messageKeys: readonly string[]): void {
    const prefix = keys.messagePrefix(accountId, folderId);
    this.#context.pendingErasure.mark({ gte: prefix, lt: prefix + END }, messageKeys);
  }

  /** The notice is a side matter: its failure must not fail the deletion. */
  #watchDeletions(accountId: string, deleted: number): void {
    void this.#deletionWatch?.record(accountId, deleted).catch(() => undefined);
  }

  #removeFromFolder(txn: Transaction, accountId: string, folder: FolderRecord, message: MessageRecord, modSeq: number): void {
    txn.del(keys.message(accountId, folder.id, message.uid));
    txn.put(keys.expunged(accountId, folder.id, modSeq, message.uid), new Uint8Array(0));
    folder.messages -= 1;
    folder.bytes -= message.size;
    adjustCounts(folder, message.flags, -1);
  }

  async #dropReference(txn: Transaction, accountId: string, blobId: string, orphanedBlobs: string[]): Promise<void> {
    const refsKey = keys.blobRefs(accountId, blobId);
    const refsValue = await txn.get(refsKey);
    const refs = (refsValue ? decodeRecord<number>(refsValue) : 1) - 1;
    if (refs > 0) {
      txn.put(refsKey, encodeRecord(refs));
    } else {
      txn.del(refsKey);
      orphanedBlobs.push(blobId);
    }
  }

  /** After the index no longer references them; a crash in between leaves only ciphertext
   * whose key is still wrapped for the user, collected by the blob garbage collection. */
  async #deleteBlobs(blobIds: readonly string[]): Promise<void> {
    for (const blobId of blobIds) await this.#context.store.blobs.delete(blobId);
  }

  async #usage(txn: Transaction, accountId: string): Promise<UsageRecord> {
    const value = await txn.get(keys.usage(accountId));
    return value ? decodeRecord<UsageRecord>(value) : { bytes: 0, messages: 0 };
  }

  async #folder(txn: Transaction, accountId: string, folderId: string): Promise<FolderRecord> {
    const value = await txn.get(keys.folder(accountId, folderId));
    if (!value) throw new MailError('MAILBOX_NONEXISTENT', 'no such folder');
    return decodeRecord<FolderRecord>(value);
  }
}
