// The outbound spool: durable, encrypted storage of queued messages (docs/design.md, keys).
// Its records live under its own prefix (./keys.ts) in the store main.ts hands it.
// Each entry is a blob holding the message encrypted under a fresh content key (the same
// secretstream format as mailbox bodies) and one KV record whose scheduling fields (dates,
// attempts, size) are clear and whose envelope (addresses, per-recipient status, DKIM
// signature, the content key itself) is sealed under the server's spool key. The operator,
// who holds keys/spool.key, can read queued mail: this is documented in
// docs/security-model.md. Deleting the record destroys the content key, so a blob left
// behind by a crash is unreadable ciphertext.
import type { SealpostCrypto } from '../../crypto/api.ts';
import type { Clock } from '../core/context.ts';
import { decodeRecord, encodeRecord, fromBase64, toBase64, toHex } from '../core/records.ts';
import { prefixRange, type BlobWriter, type KvOperation, type Store } from '../store/types.ts';
import { QUEUE_PREFIX, queueKeys } from './keys.ts';

export type RecipientStatus = 'pending' | 'delivered' | 'failed';

export interface OutboundRecipient {
  address: string;
  status: RecipientStatus;
  /** RFC 3463 code of the last outcome. */
  enhancedStatus?: string;
  /** Our diagnosis or the remote reply, one line. */
  diagnostic?: string;
  remoteReply?: string | null;
  remoteMta?: string | null;
  lastAttemptAt?: number;
  /** A DSN about this recipient's failure went to the sender. */
  reported?: boolean;
}

export interface OutboundEnvelope {
  /** Envelope sender; '' is the null sender (no DSN is ever made for it). */
  from: string;
  /** The submitting account, whose Inbox receives DSNs and whose log records outcomes. */
  senderAccountId: string | null;
  /** Who handed the message to the sending service (its tag in the delivery log); entries
   * queued before it was recorded came by SMTP submission. */
  source?: string;
  messageId: string | null;
  recipients: OutboundRecipient[];
  /** DKIM-Signature header field(s), sent before the stored message; '' when unsigned. */
  dkimSignature: string;
  delayNoticeSent: boolean;
  /** The message's content key, base64: sealed with the rest of the envelope. */
  contentKey: string;
}

export interface QueueEntry {
  id: string;
  blobId: string;
  size: number;
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  envelope: OutboundEnvelope;
}

/** What is stored under outq/<id>. */
interface QueueRecord {
  v: 1;
  id: string;
  blobId: string;
  size: number;
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  envelope: string;
}

export interface ScheduledEntry {
  id: string;
  nextAttemptAt: number;
}

const ENVELOPE_LABEL = 'outbound-envelope';

export class QueueError extends Error {
  constructor(
    readonly code: 'QUEUE_ENTRY_NONEXISTENT' | 'QUEUE_ENTRY_BUSY' | 'QUEUE_UNREADABLE',
    message: string,
  ) {
    super(message);
    this.name = 'QueueError';
  }
}

/** Writes one message into the spool while it streams in. */
export interface SpoolWriter {
  /** The entry's id, known from the start so that the Received header can name it. */
  readonly id: string;
  write(chunk: Uint8Array): Promise<void>;
  readonly size: number;
  /** Makes blob and record durable (fsync); only then may the message be acknowledged. */
  commit(envelope: Omit<OutboundEnvelope, 'contentKey' | 'delayNoticeSent'>): Promise<QueueEntry>;
  abort(): Promise<void>;
}

export class OutboundSpool {
  readonly #store: Store;
  readonly #crypto: SealpostCrypto;
  readonly #spoolKey: Uint8Array;
  readonly #clock: Clock;

  constructor(store: Store, crypto: SealpostCrypto, spoolKey: Uint8Array, clock: Clock) {
    this.#store = store;
    this.#crypto = crypto;
    this.#spoolKey = spoolKey;
    this.#clock = clock;
  }

  create(): SpoolWriter {
    const crypto = this.#crypto;
    const contentKey = crypto.newContentKey();
    const encryptor = crypto.createBodyEncryptor(contentKey);
    const blob: BlobWriter = this.#store.blobs.create();
    const id = toHex(crypto.randomBytes(8));
    let size = 0;
    let finished = false;
    const finish = () => {
      finished = true;
      crypto.wipe(contentKey);
    };
    return {
      id,
      get size() {
        return size;
      },
      write: async (chunk) => {
        size += chunk.byteLength;
        const ciphertext = encryptor.push(chunk);
        if (ciphertext.byteLength > 0) await blob.write(ciphertext);
      },
      commit: async (envelope) => {
        try {
          await blob.write(encryptor.final());
          const blobId = await blob.commit();
          const now = this.#clock.now();
          const entry: QueueEntry = {
            id,
            blobId,
            size,
            createdAt: now,
            nextAttemptAt: now,
            attempts: 0,
            envelope: { ...envelope, delayNoticeSent: false, contentKey: toBase64(contentKey) },
          };
          try {
            await this.#store.kv.batch([this.saveOperation(entry)]);
          } catch (error) {
            await this.#store.blobs.delete(blobId).catch(() => undefined);
            throw error;
          }
          return entry;
        } finally {
          finish();
        }
      },
      abort: async () => {
        if (finished) return;
        finish();
        await blob.abort();
      },
    };
  }

  encode(entry: QueueEntry): Uint8Array {
    const { envelope, ...clear } = entry;
    const sealed = this.#crypto.encryptRecord(this.#spoolKey, ENVELOPE_LABEL, new TextEncoder().encode(JSON.stringify(envelope)));
    return encodeRecord({ v: 1, ...clear, envelope: toBase64(sealed) } satisfies QueueRecord);
  }

  #decode(value: Uint8Array): QueueEntry {
    const record = decodeRecord<QueueRecord>(value);
    let envelope: OutboundEnvelope;
    try {
      envelope = JSON.parse(new TextDecoder().decode(this.#crypto.decryptRecord(this.#spoolKey, ENVELOPE_LABEL, fromBase64(record.envelope))));
    } catch {
      throw new QueueError('QUEUE_UNREADABLE', `queue entry ${record.id} does not open with keys/spool.key`);
    }
    return {
      id: record.id,
      blobId: record.blobId,
      size: record.size,
      createdAt: record.createdAt,
      nextAttemptAt: record.nextAttemptAt,
      attempts: record.attempts,
      envelope,
    };
  }

  /** Scheduling fields only: nothing is decrypted to plan the queue. */
  async schedule(): Promise<ScheduledEntry[]> {
    const entries: ScheduledEntry[] = [];
    for await (const [, value] of this.#store.kv.iterate(prefixRange(QUEUE_PREFIX))) {
      const record = decodeRecord<QueueRecord>(value);
      entries.push({ id: record.id, nextAttemptAt: record.nextAttemptAt });
    }
    return entries;
  }

  async list(): Promise<QueueEntry[]> {
    const entries: QueueEntry[] = [];
    for await (const [, value] of this.#store.kv.iterate(prefixRange(QUEUE_PREFIX))) entries.push(this.#decode(value));
    return entries;
  }

  async load(id: string): Promise<QueueEntry | undefined> {
    if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
    const value = await this.#store.kv.get(queueKeys.entry(id));
    return value ? this.#decode(value) : undefined;
  }

  async save(entry: QueueEntry): Promise<void> {
    await this.#store.kv.batch([this.saveOperation(entry)]);
  }

  /** The same write as an operation, for a batch with the delivery-log entries. */
  saveOperation(entry: QueueEntry): KvOperation {
    return { type: 'put', key: queueKeys.entry(entry.id), value: this.encode(entry) };
  }

  /** Deleting the record (and with it the content key), as an operation for such a batch. */
  deleteOperation(entry: QueueEntry): KvOperation {
    return { type: 'del', key: queueKeys.entry(entry.id) };
  }

  async delete(entry: QueueEntry): Promise<void> {
    await this.#store.kv.batch([this.deleteOperation(entry)]);
  }

  /** Record first, then ciphertext: a crash in between leaves only unreadable bytes. */
  async remove(entry: QueueEntry): Promise<void> {
    await this.delete(entry);
    await this.discardContent(entry);
  }

  /** Deletes the ciphertext once the record (and with it the content key) is gone. */
  async discardContent(entry: QueueEntry): Promise<void> {
    await this.#store.blobs.delete(entry.blobId);
  }

  /** The message as it goes on the wire: DKIM signature, then the stored message, decrypted
   * one chunk at a time. */
  async *openContent(entry: QueueEntry): AsyncIterable<Uint8Array> {
    if (entry.envelope.dkimSignature) yield new TextEncoder().encode(entry.envelope.dkimSignature);
    const contentKey = fromBase64(entry.envelope.contentKey);
    const decryptor = this.#crypto.createBodyDecryptor(contentKey);
    try {
      for await (const chunk of this.#store.blobs.read(entry.blobId)) {
        const plaintext = decryptor.push(chunk);
        if (plaintext.byteLength > 0) yield plaintext;
      }
      const last = decryptor.final();
      if (last.byteLength > 0) yield last;
    } finally {
      this.#crypto.wipe(contentKey);
    }
  }

  /** The stored message's header section (for DSNs), or null when unreadable. */
  async readHeaderSection(entry: QueueEntry, limit: number): Promise<Uint8Array | null> {
    const chunks: Buffer[] = [];
    let length = 0;
    try {
      const content = this.openContent({ ...entry, envelope: { ...entry.envelope, dkimSignature: '' } });
      for await (const chunk of content) {
        chunks.push(Buffer.from(chunk));
        length += chunk.byteLength;
        const joined = Buffer.concat(chunks);
        const end = joined.indexOf('\r\n\r\n');
        if (end >= 0) return joined.subarray(0, end + 2);
        if (length >= limit) return joined.subarray(0, limit);
      }
      return Buffer.concat(chunks);
    } catch {
      return null;
    }
  }
}
