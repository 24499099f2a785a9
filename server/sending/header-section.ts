// The header section of a message being sent: read off the front of the DATA stream (the body
// streams on untouched), checked (every From and Sender address must belong to the
// submitting account), and completed with Message-ID and Date when the client left them out
// (RFC 6409 section 8 allows a submission server to add both).
import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { MailError } from '../core/errors.ts';
import { formatRfc5322Date } from '../../mime/date.ts';

export interface HeaderSection {
  /** The header lines as received, up to and including the CRLF of the last one. */
  header: Buffer;
  /** What followed in the same read: the empty line and the start of the body. */
  bodyStart: Buffer;
}

/** A header section beyond this is refused: 100 recipients in To and a long References
 * chain fit in a few dozen KiB. */
export const MAX_HEADER_BYTES = 1024 * 1024;

/** Reads from the iterator until the empty line that ends the header section. */
export async function readHeaderSection(source: AsyncIterator<Uint8Array>): Promise<HeaderSection> {
  let buffered = Buffer.alloc(0);
  for (;;) {
    const end = headerEnd(buffered);
    if (end >= 0) return { header: buffered.subarray(0, end), bodyStart: buffered.subarray(end) };
    if (buffered.length > MAX_HEADER_BYTES) throw new MailError('HEADER_SECTION_TOO_LARGE', `the header section exceeds ${MAX_HEADER_BYTES} octets`);
    const next = await source.next();
    if (next.done) return { header: buffered, bodyStart: Buffer.alloc(0) };
    buffered = Buffer.concat([buffered, next.value]);
  }
}

/** Offset just after the last header line's line break, or -1 while the section continues. */
function headerEnd(buffer: Buffer): number {
  if (buffer.subarray(0, 2).toString('latin1') === '\r\n') return 0;
  if (buffer[0] === 0x0a) return 0;
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf + 1 <= lf)) return crlf + 2;
  if (lf >= 0) return lf + 1;
  return -1;
}

export interface HeaderField {
  name: string;
  value: string;
}

/** Header fields with folding undone (RFC 5322 section 2.2.3). */
export function headerFields(header: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of header.toString('utf8').split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) {
      fields[fields.length - 1]!.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/** Addresses in the From and Sender fields, lowercased; empty when there is no From. */
export function authorAddresses(fields: HeaderField[]): { from: string[]; sender: string[] } {
  const addressesOf = (name: string) =>
    fields
      .filter((field) => field.name === name)
      .flatMap((field) => addressparser(field.value, { flatten: true }))
      .map((entry) => (entry.address ?? '').toLowerCase());
  return { from: addressesOf('from'), sender: addressesOf('sender') };
}

export interface CompletedHeaders {
  /** Header lines to put before the message's own (CRLF-terminated; may be empty). */
  added: Buffer;
  /** The Message-ID the message goes out with (added or its own), or null. */
  messageId: string | null;
}

/** Message-ID and Date for a message that lacks them. The Message-ID names the sender's
 * domain, not this server: nothing about the infrastructure needs to be in it. */
export function completeHeaders(fields: HeaderField[], senderDomain: string, now: Date): CompletedHeaders {
  const lines: string[] = [];
  let messageId = fields.find((field) => field.name === 'message-id')?.value ?? null;
  if (!messageId) {
    messageId = `<${randomBytes(16).toString('hex')}@${senderDomain}>`;
    lines.push(`Message-ID: ${messageId}`);
  }
  if (!fields.some((field) => field.name === 'date')) lines.push(`Date: ${formatRfc5322Date(now)}`);
  return { added: Buffer.from(lines.map((line) => `${line}\r\n`).join(''), 'utf8'), messageId };
}
