// Writing mail: new messages, replies and forwards; the draft saved encrypted to Drafts every
// few seconds while it changes; send (the plaintext goes to the server only inside the send
// request), then an encrypted copy in Sent and the draft removed.
import { formatMailbox, parseAddressList } from '../lib/addresses.ts';
import { api } from '../lib/api.ts';
import { toBase64 } from '../../../shared/base64.ts';
import { buildMessage, newMessageId, type OutgoingAttachment } from '../lib/compose-mime.ts';
import { callWorker } from '../lib/crypto-client.ts';
import { htmlToReadableText } from '../../../mime/html-text.ts';
import { t } from '../lib/i18n.svelte.ts';
import { mail, type OpenMessage } from './mail.svelte.ts';
import { session } from './session.svelte.ts';
import { settings } from './settings.svelte.ts';
import { toasts } from './toasts.svelte.ts';

/** Autosave period: little enough lost in a crash, few enough uploads. */
const AUTOSAVE_MS = 5000;

export interface ComposeAttachment extends OutgoingAttachment {
  id: number;
}

export interface Draft {
  from: string;
  to: string;
  cc: string;
  bcc: string;
  showCopies: boolean;
  subject: string;
  text: string;
  attachments: ComposeAttachment[];
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  /** The message answered (marked \Answered after sending). */
  answering: { folderId: string; uid: number } | null;
}

function quote(open: OpenMessage): string {
  const text = open.parsed.text ?? htmlToReadableText(open.parsed.html ?? '');
  const sender = open.parsed.from[0];
  const who = sender ? formatMailbox(sender) : '';
  const when = open.parsed.date ? new Date(open.parsed.date).toLocaleString() : '';
  return `\n\n${t('compose.quoteHeader', { date: when, sender: who })}\n${text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n')}`;
}

function prefixed(prefix: string, subject: string): string {
  return new RegExp(`^${prefix}:`, 'i').test(subject.trim()) ? subject : `${prefix}: ${subject}`;
}

class Compose {
  draft = $state<Draft | null>(null);
  status = $state<'idle' | 'saving' | 'saved' | 'sending'>('idle');
  #draftUid: number | null = null;
  #dirty = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #nextAttachmentId = 1;

  /** Opens the editor; a draft already open is saved and closed first. */
  async start(mode: 'new' | 'reply' | 'replyAll' | 'forward' = 'new', source: OpenMessage | null = null, to = ''): Promise<void> {
    if (this.draft) await this.close();
    const own = new Set([session.address, ...(session.account?.aliases ?? [])]);
    const signature = settings.data.signature ? `\n\n-- \n${settings.data.signature}` : '';
    const draft: Draft = {
      from: session.address ?? '',
      to,
      cc: '',
      bcc: '',
      showCopies: false,
      subject: '',
      text: signature,
      attachments: [],
      messageId: newMessageId(session.address?.split('@')[1] ?? 'localhost'),
      inReplyTo: null,
      references: [],
      answering: null,
    };
    if (source) {
      const parsed = source.parsed;
      const recipientOwn = [...parsed.to, ...parsed.cc].find((mailbox) => own.has(mailbox.address.toLowerCase()));
      if (recipientOwn) draft.from = recipientOwn.address.toLowerCase();
      if (mode === 'forward') {
        draft.subject = prefixed('Fwd', parsed.subject);
        draft.text = `${signature}${quote(source)}`;
        draft.attachments = parsed.attachments
          .filter((attachment) => !attachment.inline)
          .map((attachment) => ({
            id: this.#nextAttachmentId++,
            filename: attachment.filename || 'attachment',
            mimeType: attachment.mimeType,
            content: new Uint8Array(attachment.content.slice(0)),
          }));
      } else {
        const replyTo = parsed.replyTo.length > 0 ? parsed.replyTo : parsed.from;
        draft.to = replyTo.map(formatMailbox).join(', ');
        if (mode === 'replyAll') {
          const others = [...parsed.to, ...parsed.cc].filter(
            (mailbox) => !own.has(mailbox.address.toLowerCase()) && !replyTo.some((entry) => entry.address === mailbox.address),
          );
          draft.cc = others.map(formatMailbox).join(', ');
          draft.showCopies = others.length > 0;
        }
        draft.subject = prefixed('Re', parsed.subject);
        draft.text = `${signature}${quote(source)}`;
        draft.inReplyTo = parsed.messageId;
        draft.references = [...parsed.references, ...(parsed.messageId ? [parsed.messageId] : [])];
        draft.answering = { folderId: source.folderId, uid: source.uid };
      }
    }
    this.draft = draft;
    this.#draftUid = null;
    this.#dirty = false;
    this.status = 'idle';
    clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.save(), AUTOSAVE_MS);
  }

  changed(): void {
    this.#dirty = true;
  }

  async addFiles(files: FileList | File[]): Promise<void> {
    if (!this.draft) return;
    for (const file of files) {
      this.draft.attachments.push({
        id: this.#nextAttachmentId++,
        filename: file.name,
        mimeType: file.type || 'application/octet-stream',
        content: new Uint8Array(await file.arrayBuffer()),
      });
    }
    this.#dirty = true;
  }

  removeAttachment(id: number): void {
    if (!this.draft) return;
    this.draft.attachments = this.draft.attachments.filter((attachment) => attachment.id !== id);
    this.#dirty = true;
  }

  /** Plaintext bytes of the message as it would be sent now, its envelope recipients, and
   * what in the address fields is not an address. */
  #build(draft: Draft): { message: Uint8Array; recipients: string[]; invalid: string[] } {
    const to = parseAddressList(draft.to);
    const cc = parseAddressList(draft.cc);
    const bcc = parseAddressList(draft.bcc);
    const message = buildMessage({
      from: { name: settings.data.displayName, address: draft.from },
      to: to.mailboxes,
      cc: cc.mailboxes,
      subject: draft.subject,
      text: draft.text,
      date: new Date(),
      messageId: draft.messageId,
      inReplyTo: draft.inReplyTo,
      references: draft.references,
      attachments: draft.attachments,
    });
    return {
      message,
      recipients: [...to.mailboxes, ...cc.mailboxes, ...bcc.mailboxes].map((mailbox) => mailbox.address),
      invalid: [...to.invalid, ...cc.invalid, ...bcc.invalid],
    };
  }

  /** Encrypts the draft in the worker and replaces the previous saved version. */
  async save(): Promise<void> {
    const draft = this.draft;
    if (!draft || !this.#dirty || this.status === 'saving' || this.status === 'sending') return;
    const drafts = mail.folderBySpecialUse('\\Drafts');
    if (!drafts) return;
    this.#dirty = false;
    this.status = 'saving';
    try {
      const uid = await this.#upload(drafts.id, this.#build(draft).message, ['\\Draft', '\\Seen']);
      if (this.#draftUid !== null) await api.expunge(drafts.id, [this.#draftUid]);
      this.#draftUid = uid;
      this.status = 'saved';
    } catch (error) {
      this.#dirty = true;
      this.status = 'idle';
      if (!session.handleExpired(error)) toasts.show(error instanceof Error ? error.message : String(error), 'error');
    }
  }

  async send(): Promise<boolean> {
    const draft = this.draft;
    if (!draft) return false;
    const built = this.#build(draft);
    const limit = session.account?.limits.messageMaxBytes;
    const problem =
      built.invalid.length > 0
        ? t('compose.invalidAddresses', { list: built.invalid.join(', ') })
        : built.recipients.length === 0
          ? t('compose.noRecipients')
          : limit && built.message.length > limit
            ? t('compose.tooLarge', { size: Math.floor(limit / 1048576) })
            : null;
    if (problem) {
      toasts.show(problem, 'error');
      return false;
    }
    this.status = 'sending';
    try {
      const { recipients } = await api.send(draft.from, built.recipients, toBase64(built.message));
      const failed = recipients.filter((recipient) => recipient.status === 'failed');
      if (failed.length === recipients.length) {
        toasts.show(
          t('compose.failed', { list: failed.map((recipient) => `${recipient.address} (${recipient.message ?? recipient.code})`).join(', ') }),
          'error',
        );
        this.status = 'idle';
        return false;
      }
      const sent = mail.folderBySpecialUse('\\Sent');
      if (sent) await this.#upload(sent.id, built.message, ['\\Seen']);
      const drafts = mail.folderBySpecialUse('\\Drafts');
      if (drafts && this.#draftUid !== null) await api.expunge(drafts.id, [this.#draftUid]);
      if (draft.answering) await api.setFlags(draft.answering.folderId, [draft.answering.uid], 'add', ['\\Answered']).catch(() => undefined);
      toasts.show(
        failed.length > 0 ? t('compose.partlySent', { list: failed.map((recipient) => recipient.address).join(', ') }) : t('compose.sent'),
        failed.length > 0 ? 'error' : 'info',
      );
      this.#finish();
      return true;
    } catch (error) {
      this.status = 'idle';
      if (!session.handleExpired(error)) toasts.show(error instanceof Error ? error.message : String(error), 'error');
      return false;
    }
  }

  /** Closes the editor; the saved draft stays in Drafts. */
  async close(): Promise<void> {
    await this.save();
    this.#finish();
  }

  async discard(): Promise<void> {
    const drafts = mail.folderBySpecialUse('\\Drafts');
    if (drafts && this.#draftUid !== null) await api.expunge(drafts.id, [this.#draftUid]).catch(() => undefined);
    this.#finish();
  }

  reset(): void {
    this.#finish();
  }

  async #upload(folderId: string, message: Uint8Array, flags: string[]): Promise<number> {
    const buffer = message.slice().buffer;
    const ciphertext = await callWorker('encryptMessage', { message: buffer }, [buffer]);
    return (await api.upload(folderId, ciphertext, flags)).uid;
  }

  #finish(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.draft = null;
    this.#draftUid = null;
    this.#dirty = false;
    this.status = 'idle';
  }
}

export const compose = new Compose();
session.onLogout(() => compose.reset());
