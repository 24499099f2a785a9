// Addresses for display and for compose: the summary's envelope entries (mime/) made
// readable, and the "Name <address>" lists a user types parsed into addresses.
import type { MessageSummary } from '../../../mime/types.ts';

type Envelope = MessageSummary['envelope'];
type Entry = Envelope['from'][number];

export interface Mailbox {
  name: string;
  address: string;
}

export function mailboxesOf(entries: readonly Entry[]): Mailbox[] {
  const result: Mailbox[] = [];
  for (const entry of entries) {
    if (!('mailbox' in entry)) continue;
    const address = entry.host ? `${entry.mailbox}@${entry.host}` : entry.mailbox;
    result.push({ name: entry.decodedName ?? entry.name ?? '', address: address.replace(/^"|"$/g, '') });
  }
  return result;
}

export function displayName(mailbox: Mailbox): string {
  return mailbox.name || mailbox.address;
}

export function subjectOf(envelope: Envelope): string {
  return envelope.decodedSubject ?? envelope.subject ?? '';
}

/** A plausible addr-spec: something@domain.tld without spaces or brackets. */
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

export function isAddress(text: string): boolean {
  return ADDRESS.test(text);
}

/** Splits typed text ("Ann <ann@x.org>, bob@y.org") into mailboxes; invalid parts are
 * returned separately so the form can point at them. */
export function parseAddressList(text: string): { mailboxes: Mailbox[]; invalid: string[] } {
  const mailboxes: Mailbox[] = [];
  const invalid: string[] = [];
  for (const part of splitList(text)) {
    const bracketed = /^(.*)<([^<>]+)>$/.exec(part);
    const name = bracketed ? bracketed[1]!.trim().replace(/^"|"$/g, '') : '';
    const address = (bracketed ? bracketed[2]! : part).trim();
    if (isAddress(address)) mailboxes.push({ name, address });
    else invalid.push(part);
  }
  return { mailboxes, invalid };
}

export function formatMailbox(mailbox: Mailbox): string {
  return mailbox.name ? `${mailbox.name} <${mailbox.address}>` : mailbox.address;
}

/** Splits at commas, semicolons and line breaks outside quotes and angle brackets. */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let bracketed = false;
  for (const character of text) {
    if (character === '"' && !bracketed) quoted = !quoted;
    else if (character === '<' && !quoted) bracketed = true;
    else if (character === '>' && !quoted) bracketed = false;
    if (!quoted && !bracketed && /[,;\n]/.test(character)) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}
