// What of a message the search index holds: from its summary (decrypted metadata) the
// subject, the names and addresses of sender and recipients, the attachment names and the
// preview; from its body, when it was downloaded, the text part, or the HTML part's text.
// Also the few fields a search hit is shown with, so results need no further decryption.
import { mailboxesOf, subjectOf } from '../addresses.ts';
import type { MessageSummary } from '../../../../mime/types.ts';
import { htmlToText } from '../../../../mime/html-text.ts';

/** Characters of body text indexed per message: a long message has said all its distinct
 * words well before this, and it bounds the work and the index size a hostile one causes. */
export const MAX_INDEXED_TEXT_CHARS = 200_000;
/** Characters kept of each shown field (subject, sender, recipient) in the index. */
const SHOWN_FIELD_CHARS = 200;

export interface MessageBodyText {
  text: string | null;
  html: string | null;
}

/** How a search hit is shown: the list's columns. */
export interface ShownFields {
  subject: string;
  from: string;
  to: string;
}

const shown = (value: string) => value.slice(0, SHOWN_FIELD_CHARS);
const display = (mailbox: { name: string; address: string } | undefined) => (mailbox ? mailbox.name || mailbox.address : '');

export function shownFields(summary: MessageSummary): ShownFields {
  const { envelope } = summary;
  return { subject: shown(subjectOf(envelope)), from: shown(display(mailboxesOf(envelope.from)[0])), to: shown(display(mailboxesOf(envelope.to)[0])) };
}

export function searchableText(summary: MessageSummary, body: MessageBodyText | null): string {
  const { envelope } = summary;
  const people = [
    ...mailboxesOf(envelope.from),
    ...mailboxesOf(envelope.sender),
    ...mailboxesOf(envelope.replyTo),
    ...mailboxesOf(envelope.to),
    ...mailboxesOf(envelope.cc),
    ...mailboxesOf(envelope.bcc),
  ];
  const bodyText = body ? (body.text?.trim() ? body.text : body.html ? htmlToText(body.html) : '') : summary.preview;
  return [
    subjectOf(envelope),
    ...people.flatMap((mailbox) => [mailbox.name, mailbox.address]),
    ...summary.attachments.map((attachment) => attachment.filename ?? ''),
    bodyText.slice(0, MAX_INDEXED_TEXT_CHARS),
  ].join('\n');
}
