// Reading messages for a session that holds the mailbox keys: the index (clear metadata),
// the encrypted metadata record, and the body, whole or by range. The first time a session
// opens a sealed content key it rewraps it under the masterKey (lazy rewrap), so later
// sessions need no public-key operation per message.
import type { MailboxKeys } from '../../crypto/api.ts';
import type { CoreContext } from './context.ts';
import { MailError } from './errors.ts';
import { END, keys } from './keys.ts';
import { decodeMetadata, type MessageMetadata } from '../../mime/metadata.ts';
import { decodeRecord, encodeRecord, fromBase64, toBase64, type MessageRecord } from './records.ts';

export class Messages {
  readonly #context: CoreContext;

  constructor(context: CoreContext) {
    this.#context = context;
  }

  async list(accountId: string, folderId: string, range: { fromUid?: number; limit?: number } = {}): Promise<MessageRecord[]> {
    const prefix = keys.messagePrefix(accountId, folderId);
    const records: MessageRecord[] = [];
    const gte = range.fromUid ? keys.message(accountId, folderId, range.fromUid) : prefix;
    for await (const [, value] of this.#context.store.kv.iterate({ gte, lt: prefix + END, limit: range.limit })) {
      records.push(decodeRecord<MessageRecord>(value));
    }
    return records;
  }

  async get(accountId: string, folderId: string, uid: number): Promise<MessageRecord> {
    const value = await this.#context.store.kv.get(keys.message(accountId, folderId, uid));
    if (!value) throw new MailError('MESSAGE_NONEXISTENT', 'no such message');
    return decodeRecord<MessageRecord>(value);
  }

  /** Records of the given UIDs in one store round trip; undefined where a UID is gone. */
  async getMany(accountId: string, folderId: string, uids: readonly number[]): Promise<(MessageRecord | undefined)[]> {
    const values = await this.#context.store.kv.getMany(uids.map((uid) => keys.message(accountId, folderId, uid)));
    return values.map((value) => (value ? decodeRecord<MessageRecord>(value) : undefined));
  }

  /** Opens the content key; rewraps a sealed one in the background. Caller wipes it. */
  openContentKey(sessionKeys: MailboxKeys, accountId: string, folderId: string, record: MessageRecord): Uint8Array {
    const { crypto } = this.#context;
    const wrapped = fromBase64(record.contentKey);
    const contentKey = crypto.openContentKey(wrapped, sessionKeys);
    if (crypto.isSealedContentKey(wrapped)) {
      const rewrapped = toBase64(crypto.wrapContentKey(contentKey, sessionKeys.masterKey));
      void this.#storeRewrapped(accountId, folderId, record.uid, record.contentKey, rewrapped);
    }
    return contentKey;
  }

  async readMetadata(sessionKeys: MailboxKeys, accountId: string, folderId: string, record: MessageRecord): Promise<MessageMetadata> {
    const contentKey = this.openContentKey(sessionKeys, accountId, folderId, record);
    try {
      return decodeMetadata(this.#context.crypto.decryptMetadata(contentKey, fromBase64(record.metadata)));
    } finally {
      this.#context.crypto.wipe(contentKey);
    }
  }

  /** Decrypts the whole body in order, yielding plaintext as it is read. */
  async *readBody(sessionKeys: MailboxKeys, accountId: string, folderId: string, record: MessageRecord): AsyncIterable<Uint8Array> {
    const { crypto, store } = this.#context;
    const contentKey = this.openContentKey(sessionKeys, accountId, folderId, record);
    const decryptor = crypto.createBodyDecryptor(contentKey);
    crypto.wipe(contentKey);
    for await (const ciphertext of store.blobs.read(record.blobId)) {
      const plaintext = decryptor.push(ciphertext);
      if (plaintext.byteLength > 0) yield plaintext;
    }
    const rest = decryptor.final();
    if (rest.byteLength > 0) yield rest;
  }

  /** Decrypts plaintext bytes [start, end), reading only the chunks that hold them. */
  async readBodyRange(sessionKeys: MailboxKeys, accountId: string, folderId: string, record: MessageRecord, start: number, end: number): Promise<Uint8Array> {
    const { crypto, store } = this.#context;
    const contentKey = this.openContentKey(sessionKeys, accountId, folderId, record);
    try {
      const ciphertextSize = await store.blobs.size(record.blobId);
      return await crypto.decryptBodyRange(
        contentKey,
        (offset, length) => store.blobs.readRange(record.blobId, offset, length),
        ciphertextSize,
        Math.max(0, start),
        Math.min(end, record.size),
      );
    } finally {
      crypto.wipe(contentKey);
    }
  }

  /** Size of a body's stored ciphertext, for a client that decrypts it itself (the web). */
  ciphertextSize(record: MessageRecord): Promise<number> {
    return this.#context.store.blobs.size(record.blobId);
  }

  /** A body's stored ciphertext, whole or bytes [start, end), for a client that decrypts
   * it itself: nothing is decrypted here. */
  readCiphertext(record: MessageRecord, range?: { start: number; end: number }): AsyncIterable<Uint8Array> {
    return this.#context.store.blobs.read(record.blobId, range);
  }

  /**
   * Stores a content key rewrapped by a session holding the keys (lazy rewrap; the browser
   * sends it back). Accepted only while the stored key is still `previous`: another session
   * may have rewrapped meanwhile, or the message moved. Returns whether it was stored.
   */
  async replaceContentKey(accountId: string, folderId: string, uid: number, previous: string, rewrapped: string): Promise<boolean> {
    return this.#context.writer.run(accountId, async (txn) => {
      const key = keys.message(accountId, folderId, uid);
      const value = await txn.get(key);
      if (!value) return false;
      const current = decodeRecord<MessageRecord>(value);
      if (current.contentKey !== previous) return false;
      current.contentKey = rewrapped;
      txn.put(key, encodeRecord(current));
      return true;
    });
  }

  async #storeRewrapped(accountId: string, folderId: string, uid: number, previous: string, rewrapped: string): Promise<void> {
    try {
      await this.replaceContentKey(accountId, folderId, uid, previous, rewrapped);
    } catch {
      // A failed rewrap costs only speed: the sealed key still opens next time.
    }
  }
}
