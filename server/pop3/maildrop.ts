// The TRANSACTION state's view of the Inbox: the messages present at login, numbered from
// 1 in UID order (RFC 1939: numbers never change within a session; mail arriving later is
// seen by the next session), with the marks DELE and RETR leave. Nothing changes in the
// store before the session ends:
// - QUIT (the UPDATE state) expunges the messages marked deleted, through the mail core, so
//   IMAP sessions see the expunge like any other;
// - QUIT or a dropped connection flags the messages retrieved in full \Seen, as Dovecot
//   does by default (pop3_no_flag_updates=no); TOP does not. A dropped connection deletes
//   nothing (RFC 1939 section 6).
//
// Sizes (STAT, LIST, RETR's "+OK n octets") are the stored octets of each message
// (MessageRecord.size), with no decryption at login. RFC 1939 counts a message as it goes
// over the wire, CRLF line ends included and byte-stuffing excluded; the core stores every
// message with CRLF line ends (mime/line-endings.ts), so the two are the same number. The
// message encoder still sends any bare LF as CRLF, so that the wire stays valid whatever a
// stored message holds; such a message would be longer on the wire than announced.
//
// UIDLs are "<UIDVALIDITY>.<UID>" of the Inbox: both are stable across sessions and
// restarts and never reused (mail core), so a client that leaves mail on the server never
// downloads a message twice.
import type { MailboxKeys } from '../../crypto/api.ts';
import type { UnlockedSession } from '../core/accounts.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { MessageRecord } from '../core/records.ts';
import { topOfMessage } from './proto/top.ts';

export interface MaildropMessage {
  /** The message number of this session (1-based). */
  readonly number: number;
  readonly uid: number;
  readonly size: number;
  deleted: boolean;
  /** Sent in full by RETR while not \Seen: flagged \Seen when the session ends. */
  retrieved: boolean;
}

const SEEN = '\\Seen';

export class Maildrop {
  readonly accountId: string;
  readonly folderId: string;
  readonly #core: MailCore;
  readonly #keys: MailboxKeys;
  readonly #uidValidity: number;
  readonly #messages: MaildropMessage[];
  #closed = false;

  private constructor(core: MailCore, unlocked: UnlockedSession, folderId: string, uidValidity: number, records: readonly MessageRecord[]) {
    this.#core = core;
    this.accountId = unlocked.accountId;
    this.#keys = unlocked.keys;
    this.folderId = folderId;
    this.#uidValidity = uidValidity;
    this.#messages = records.map((record, index) => ({ number: index + 1, uid: record.uid, size: record.size, deleted: false, retrieved: false }));
  }

  /** Takes over the unlocked keys: close() wipes them. */
  static async open(core: MailCore, unlocked: UnlockedSession): Promise<Maildrop> {
    const inbox = await core.folders.findBySpecialUse(unlocked.accountId, '\\Inbox');
    const records = await core.messages.list(unlocked.accountId, inbox.id);
    return new Maildrop(core, unlocked, inbox.id, inbox.uidValidity, records);
  }

  /** The message with this number, deleted or not; undefined if there is none. */
  message(number: number): MaildropMessage | undefined {
    return this.#messages[number - 1];
  }

  /** Messages not marked deleted, in number order. */
  remaining(): MaildropMessage[] {
    return this.#messages.filter((message) => !message.deleted);
  }

  totals(): { count: number; octets: number } {
    const remaining = this.remaining();
    return { count: remaining.length, octets: remaining.reduce((sum, message) => sum + message.size, 0) };
  }

  uidl(message: MaildropMessage): string {
    return `${this.#uidValidity}.${message.uid}`;
  }

  /** RSET: forgets deletions and, as Dovecot does, the \Seen flags RETR would have set. */
  reset(): void {
    for (const message of this.#messages) {
      message.deleted = false;
      message.retrieved = false;
    }
  }

  /** The current index record; throws MailError MESSAGE_NONEXISTENT when another session
   * (IMAP) expunged the message since login. Call before answering +OK. */
  async record(message: MaildropMessage): Promise<MessageRecord> {
    return this.#core.messages.get(this.accountId, this.folderId, message.uid);
  }

  /** The whole message, decrypted as it is read. Marks it retrieved once fully read. */
  async *content(message: MaildropMessage, record: MessageRecord): AsyncIterable<Uint8Array> {
    yield* this.#core.messages.readBody(this.#keys, this.accountId, this.folderId, record);
    if (!record.flags.includes(SEEN)) message.retrieved = true;
  }

  /** The header block and the first `lines` lines of the body. The header's end comes from
   * the MIME summary stored at ingest, the boundary IMAP's BODY[HEADER] uses too. */
  async *top(record: MessageRecord, lines: number): AsyncIterable<Uint8Array> {
    const { summary } = await this.#core.messages.readMetadata(this.#keys, this.accountId, this.folderId, record);
    yield* topOfMessage(this.#core.messages.readBody(this.#keys, this.accountId, this.folderId, record), summary.headersEnd, lines);
  }

  /** The UPDATE state (QUIT): \Seen for what was retrieved, then the expunge of what was
   * deleted. Returns how many messages were removed. */
  async update(): Promise<number> {
    await this.saveSeen();
    const deleted = this.#messages.filter((message) => message.deleted).map((message) => message.uid);
    if (deleted.length === 0) return 0;
    const { expunged } = await this.#core.mailbox.expunge(this.accountId, this.folderId, deleted);
    return expunged.length;
  }

  /** Flags the messages retrieved in full \Seen (those marked deleted excepted). */
  async saveSeen(): Promise<void> {
    const uids = this.#messages.filter((message) => message.retrieved && !message.deleted).map((message) => message.uid);
    if (uids.length === 0) return;
    await this.#core.mailbox.setFlags(this.accountId, this.folderId, uids, { mode: 'add', flags: [SEEN] });
    for (const message of this.#messages) message.retrieved = false;
  }

  /** Wipes the session's keys; the maildrop is unusable afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.wipeKeys(this.#keys);
  }
}
