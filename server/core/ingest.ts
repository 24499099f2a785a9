// The one write path for every message, whatever its source (MX, submission to local
// recipients, IMAP APPEND, the web client, the collector, system notices): size check →
// encrypt while receiving → durable blob → durable index entry (with the delivery-log entry
// in the same batch) → event. Plaintext exists only in memory, one chunk at a time; the
// MIME summary is computed on the way through and stored encrypted beside the message.
// Line endings are normalised to CRLF on the way in (line-endings.ts).
import type { BodyEncryptor, MailboxKeys } from '../../crypto/api.ts';
import type { BlobWriter } from '../store/types.ts';
import { createMessageAnalyzer } from '../../mime/structure.ts';
import type { Accounts } from './accounts.ts';
import type { AccountStanding } from './billing/standing.ts';
import type { CoreContext } from './context.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { MailError } from './errors.ts';
import type { Folders } from './folders.ts';
import { keys } from './keys.ts';
import type { Statistics } from './statistics.ts';
import { decodeRecord, encodeRecord, fromBase64, toBase64, type FolderRecord, type MessageRecord, type SpecialUse, type UsageRecord } from './records.ts';
import { encodeMetadata } from '../../mime/metadata.ts';
import { normalizeLineEndings } from '../../mime/line-endings.ts';
import { adjustCounts, normalizeFlags } from './flags.ts';

export type IngestSource = 'mx' | 'submission' | 'append' | 'web' | 'collector' | 'system' | 'restore';

export interface IngestRecipient {
  accountId: string;
  /** The address the message was delivered to, for the delivery log. */
  address: string;
  /** Defaults to the Inbox. */
  folderId?: string;
  /** Without a folderId: the folder with this special use (the MX files spam in \Junk). */
  specialUse?: SpecialUse;
  /** A session holding the keys wraps the content key symmetrically (no rewrap needed). */
  keys?: MailboxKeys;
  flags?: string[];
  internalDate?: number;
}

export interface IngestRequest {
  source: IngestSource;
  recipients: IngestRecipient[];
  content: AsyncIterable<Uint8Array>;
  /** Size announced ahead (SMTP SIZE, an APPEND literal) so quota can fail before reading. */
  declaredSize?: number;
  deliveryLog?: { direction: 'in' | 'out'; remote: string | null; status: string };
}

export interface DeliveryOutcome {
  stored: StoredMessage[];
  /** Recipients whose index write failed after the message was received (a quota race or
   * an I/O error); the caller reports them (DSN, delivery log). */
  failed: { address: string; error: unknown }[];
}

export interface StoredMessage {
  accountId: string;
  folderId: string;
  uidValidity: number;
  uid: number;
  modSeq: number;
  size: number;
}

/** A message encrypted by its owner's client (see Ingest.deliverEncrypted). */
export interface EncryptedIngestRequest {
  source: IngestSource;
  recipient: Omit<IngestRecipient, 'keys'>;
  /** Wrapped under the masterKey (crypto/FORMAT.md "wrapped" form). */
  wrappedContentKey: Uint8Array;
  /** The metadata record (MIME summary) encrypted under the content key. */
  encryptedMetadata: Uint8Array;
  ciphertext: AsyncIterable<Uint8Array>;
  ciphertextSize: number;
  deliveryLog?: IngestRequest['deliveryLog'];
}

/** The wrapped content key of crypto/FORMAT.md: format byte 0x02, 73 bytes. */
const WRAPPED_CONTENT_KEY_FORMAT = 0x02;
const WRAPPED_CONTENT_KEY_BYTES = 73;
/** Format byte, nonce and MAC of an encrypted record: anything shorter is truncated. */
const ENVELOPE_OVERHEAD_BYTES = 41;

/** Sources that are not mail arriving from someone else: system notices reach a mailbox
 * whose receiving is off, and a restore puts back what was there. */
const SOURCES_EXEMPT_FROM_RECEIVING_STOP: ReadonlySet<IngestSource> = new Set(['system', 'restore']);

/** The last message may overshoot the quota by this fraction (as Dovecot's quota_grace),
 * so that deliveries racing past the RCPT-time check are not lost after being accepted. */
const QUOTA_GRACE = 0.1;

interface RecipientWrite {
  recipient: IngestRecipient;
  folder: FolderRecord;
  contentKey: Uint8Array;
  wrappedContentKey: Uint8Array;
  encryptor: BodyEncryptor;
  blob: BlobWriter;
}

export class Ingest {
  readonly #context: CoreContext;
  readonly #accounts: Accounts;
  readonly #folders: Folders;
  readonly #deliveryLog: DeliveryLog;
  readonly #standing: AccountStanding;
  readonly #statistics: Statistics;

  constructor(context: CoreContext, accounts: Accounts, folders: Folders, deliveryLog: DeliveryLog, standing: AccountStanding, statistics: Statistics) {
    this.#context = context;
    this.#accounts = accounts;
    this.#folders = folders;
    this.#deliveryLog = deliveryLog;
    this.#standing = standing;
    this.#statistics = statistics;
  }

  /** Refuses mail for an account whose receiving is off (no credit left, or the inactivity
   * rule) with MAILBOX_DISABLED; front-ends call it before accepting a recipient, and
   * deliver() checks again. */
  checkReceiving(accountId: string): Promise<void> {
    return this.#standing.assertReceiving(accountId);
  }

  /** Refuses a message of this size for this account before any byte is read. */
  async checkQuota(accountId: string, size: number): Promise<void> {
    const [accountValue, usageValue] = await this.#context.store.kv.getMany([keys.account(accountId), keys.usage(accountId)]);
    if (!accountValue) throw new MailError('ACCOUNT_NONEXISTENT', 'no such account');
    const { quotaBytes } = decodeRecord<{ quotaBytes: number }>(accountValue);
    if (size > quotaBytes) throw new MailError('MESSAGE_EXCEEDS_QUOTA', 'the message is larger than the whole mailbox quota');
    const usage: UsageRecord = usageValue ? decodeRecord(usageValue) : { bytes: 0, messages: 0 };
    if (usage.bytes + size > quotaBytes) throw new MailError('QUOTA_EXCEEDED', 'the mailbox is full');
  }

  async deliver(request: IngestRequest): Promise<DeliveryOutcome> {
    const { crypto, limits, store } = this.#context;
    if (request.recipients.length === 0) throw new MailError('INVALID_ARGUMENT', 'a message needs at least one recipient');
    for (const recipient of request.recipients) {
      // A session holding the keys writes into its own mailbox: that is not receiving.
      if (!recipient.keys && !SOURCES_EXEMPT_FROM_RECEIVING_STOP.has(request.source)) await this.checkReceiving(recipient.accountId);
    }
    if (request.declaredSize !== undefined) {
      if (request.declaredSize > limits.messageMaxBytes) throw tooLarge(limits.messageMaxBytes);
      for (const recipient of request.recipients) await this.checkQuota(recipient.accountId, request.declaredSize);
    }
    const writes: RecipientWrite[] = [];
    const blobIds: string[] = [];
    let committed = false;
    try {
      for (const recipient of request.recipients) {
        const account = await this.#accounts.get(recipient.accountId);
        const folder = recipient.folderId
          ? await this.#folders.get(recipient.accountId, recipient.folderId)
          : await this.#folders.findBySpecialUse(recipient.accountId, recipient.specialUse ?? '\\Inbox');
        const contentKey = crypto.newContentKey();
        const wrappedContentKey = recipient.keys
          ? crypto.wrapContentKey(contentKey, recipient.keys.masterKey)
          : crypto.sealContentKey(contentKey, fromBase64(account.publicKey));
        writes.push({ recipient, folder, contentKey, wrappedContentKey, encryptor: crypto.createBodyEncryptor(contentKey), blob: store.blobs.create() });
      }
      const analyzer = createMessageAnalyzer();
      let size = 0;
      for await (const chunk of normalizeLineEndings(request.content)) {
        size += chunk.byteLength;
        if (size > limits.messageMaxBytes) throw tooLarge(limits.messageMaxBytes);
        analyzer.push(chunk);
        for (const write of writes) {
          const ciphertext = write.encryptor.push(chunk);
          if (ciphertext.byteLength > 0) await write.blob.write(ciphertext);
        }
      }
      const metadata = encodeMetadata(analyzer.finish());
      for (const write of writes) {
        await write.blob.write(write.encryptor.final());
        blobIds.push(await write.blob.commit());
      }
      committed = true;
      const settled = await Promise.allSettled(
        writes.map((write, index) =>
          this.#index(request, write, blobIds[index]!, size, crypto.encryptMetadata(write.contentKey, metadata)).catch(async (error: unknown) => {
            await store.blobs.delete(blobIds[index]!);
            throw error;
          }),
        ),
      );
      const outcome: DeliveryOutcome = { stored: [], failed: [] };
      settled.forEach((result, index) => {
        if (result.status === 'fulfilled') outcome.stored.push(result.value);
        else outcome.failed.push({ address: writes[index]!.recipient.address, error: result.reason });
      });
      if (outcome.stored.length === 0) throw outcome.failed[0]!.error;
      if (request.source === 'mx') this.#statistics.count('messagesIn');
      return outcome;
    } catch (error) {
      if (!committed) {
        // Nothing was indexed: remove what was committed and discard what was not.
        await Promise.all(
          writes.map((write, index) => (index < blobIds.length ? store.blobs.delete(blobIds[index]!) : write.blob.abort()).catch(() => undefined)),
        );
      }
      throw error;
    } finally {
      for (const write of writes) crypto.wipe(write.contentKey);
    }
  }

  /**
   * Stores a message its owner encrypted (the web client's drafts and sent copies): the
   * server never sees the plaintext, so it checks what it can — the content key is in the
   * wrapped form, the ciphertext is as long as it claims, and the plaintext size (which the
   * ciphertext size fixes, so the quota counts true bytes) is within the limits — then joins
   * the common path at the durable blob and the index entry.
   */
  async deliverEncrypted(request: EncryptedIngestRequest): Promise<StoredMessage> {
    const { crypto, limits, store } = this.#context;
    const { recipient } = request;
    if (request.wrappedContentKey.length !== WRAPPED_CONTENT_KEY_BYTES || request.wrappedContentKey[0] !== WRAPPED_CONTENT_KEY_FORMAT) {
      throw new MailError('INVALID_ARGUMENT', 'the content key must be wrapped under the mailbox key');
    }
    if (request.encryptedMetadata.length < ENVELOPE_OVERHEAD_BYTES) throw new MailError('INVALID_ARGUMENT', 'the metadata record is truncated');
    let size: number;
    try {
      size = crypto.bodyPlaintextSize(request.ciphertextSize);
    } catch {
      throw new MailError('INVALID_ARGUMENT', 'no encrypted body has that size');
    }
    if (size > limits.messageMaxBytes) throw tooLarge(limits.messageMaxBytes);
    await this.checkQuota(recipient.accountId, size);
    const folder = recipient.folderId
      ? await this.#folders.get(recipient.accountId, recipient.folderId)
      : await this.#folders.findBySpecialUse(recipient.accountId, '\\Inbox');
    const blob = store.blobs.create();
    let blobId: string;
    try {
      let received = 0;
      for await (const chunk of request.ciphertext) {
        received += chunk.byteLength;
        if (received > request.ciphertextSize) break;
        await blob.write(chunk);
      }
      if (received !== request.ciphertextSize) throw new MailError('INVALID_ARGUMENT', 'the ciphertext is not as long as announced');
      blobId = await blob.commit();
    } catch (error) {
      await blob.abort().catch(() => undefined);
      throw error;
    }
    try {
      return await this.#index(request, { recipient, folder, wrappedContentKey: request.wrappedContentKey }, blobId, size, request.encryptedMetadata);
    } catch (error) {
      await store.blobs.delete(blobId);
      throw error;
    }
  }

  #index(
    request: Pick<IngestRequest, 'source' | 'deliveryLog'>,
    write: Pick<RecipientWrite, 'recipient' | 'folder' | 'wrappedContentKey'>,
    blobId: string,
    size: number,
    metadata: Uint8Array,
  ): Promise<StoredMessage> {
    const { accountId } = write.recipient;
    const folderId = write.folder.id;
    return this.#context.writer.run(accountId, async (txn) => {
      const [folderValue, usageValue, accountValue] = await txn.getMany([keys.folder(accountId, folderId), keys.usage(accountId), keys.account(accountId)]);
      if (!folderValue || !accountValue) throw new MailError('MAILBOX_NONEXISTENT', 'the folder or account is gone');
      const folder = decodeRecord<FolderRecord>(folderValue);
      const usage: UsageRecord = usageValue ? decodeRecord(usageValue) : { bytes: 0, messages: 0 };
      const quota = decodeRecord<{ quotaBytes: number }>(accountValue).quotaBytes;
      if (size > quota) throw new MailError('MESSAGE_EXCEEDS_QUOTA', 'the message is larger than the whole mailbox quota');
      if (usage.bytes + size > quota * (1 + QUOTA_GRACE)) throw new MailError('QUOTA_EXCEEDED', 'the mailbox is full');
      const uid = folder.uidNext;
      const modSeq = folder.highestModSeq + 1;
      const now = this.#context.clock.now();
      const flags = normalizeFlags(write.recipient.flags ?? []);
      const message: MessageRecord = {
        v: 1,
        uid,
        blobId,
        size,
        internalDate: write.recipient.internalDate ?? now,
        flags,
        modSeq,
        contentKey: toBase64(write.wrappedContentKey),
        metadata: toBase64(metadata),
      };
      folder.uidNext = uid + 1;
      folder.highestModSeq = modSeq;
      folder.messages += 1;
      folder.bytes += size;
      adjustCounts(folder, flags, 1);
      usage.bytes += size;
      usage.messages += 1;
      txn.put(keys.message(accountId, folderId, uid), encodeRecord(message));
      txn.put(keys.folder(accountId, folderId), encodeRecord(folder));
      txn.put(keys.usage(accountId), encodeRecord(usage));
      txn.put(keys.blobRefs(accountId, blobId), encodeRecord(1));
      if (request.deliveryLog) {
        this.#deliveryLog.record(txn, {
          accountId,
          address: write.recipient.address,
          time: now,
          size,
          source: request.source,
          ...request.deliveryLog,
        });
      }
      txn.afterCommit(() => this.#context.events.publish({ type: 'message-added', accountId, folderId, uid, modSeq }));
      return { accountId, folderId, uidValidity: folder.uidValidity, uid, modSeq, size };
    });
  }
}

function tooLarge(limit: number): MailError {
  return new MailError('MESSAGE_TOO_LARGE', `the message exceeds the size limit of ${limit} octets`);
}
