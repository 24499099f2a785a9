// Builds the RFC 5322 message of what the user wrote: UTF-8 text as quoted-printable, words
// outside ASCII in headers as RFC 2047 encoded words, attachments as base64 parts of a
// multipart/mixed with RFC 2231 file names. CRLF throughout, lines within RFC 5322's 78.
// Plain text only: what the user types is text, and text is what every client shows.
import type { Mailbox } from './addresses.ts';

export interface OutgoingAttachment {
  filename: string;
  mimeType: string;
  content: Uint8Array;
}

export interface OutgoingMessage {
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  subject: string;
  text: string;
  date: Date;
  messageId: string;
  inReplyTo?: string | null;
  references?: string[];
  attachments?: OutgoingAttachment[];
}

const CRLF = '\r\n';
/** RFC 2045: encoded lines at most 76 characters. */
const ENCODED_LINE = 76;
/** RFC 2047 allows 75 characters per encoded word; 60 leaves room for the header name on
 * the first line, so no line passes RFC 5322's 78. */
const ENCODED_WORD_MAX = 60;

const isAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);

/** RFC 2047 B-encoding, split on character boundaries so each word stays short. */
export function encodeWords(text: string): string {
  if (isAscii(text)) return text;
  const words: string[] = [];
  const overhead = '=?UTF-8?B??='.length;
  let current = '';
  const flush = () => {
    if (current) words.push(`=?UTF-8?B?${utf8Base64(current)}?=`);
    current = '';
  };
  for (const character of text) {
    const candidate = current + character;
    if (Math.ceil(new TextEncoder().encode(candidate).length / 3) * 4 + overhead > ENCODED_WORD_MAX) flush();
    current += character;
  }
  flush();
  return words.join(`${CRLF} `);
}

function utf8Base64(text: string): string {
  return base64Lines(new TextEncoder().encode(text), Infinity);
}

function base64Lines(bytes: Uint8Array, lineLength: number): string {
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  const encoded = btoa(binary);
  if (!Number.isFinite(lineLength)) return encoded;
  const lines: string[] = [];
  for (let offset = 0; offset < encoded.length; offset += lineLength) lines.push(encoded.slice(offset, offset + lineLength));
  return lines.join(CRLF);
}

function formatMailbox(mailbox: Mailbox): string {
  if (!mailbox.name) return mailbox.address;
  if (isAscii(mailbox.name)) return `"${mailbox.name.replace(/(["\\])/g, '\\$1')}" <${mailbox.address}>`;
  return `${encodeWords(mailbox.name)}${CRLF} <${mailbox.address}>`;
}

function addressHeader(name: string, mailboxes: Mailbox[]): string {
  return `${name}: ${mailboxes.map(formatMailbox).join(`,${CRLF} `)}`;
}

/** Quoted-printable (RFC 2045 6.7) of UTF-8 text with CRLF line breaks. */
export function quotedPrintable(text: string): string {
  const lines = text.replace(/\r\n?|\n/g, '\n').split('\n');
  return lines
    .map((line) => {
      let encoded = '';
      const bytes = new TextEncoder().encode(line);
      bytes.forEach((byte, index) => {
        const last = index === bytes.length - 1;
        const plain = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
        encoded += plain ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      });
      // Soft line breaks keep each line within 76 characters, never inside an =XX escape.
      const out: string[] = [];
      while (encoded.length > ENCODED_LINE - 1) {
        let cut = ENCODED_LINE - 1;
        const lastEscape = encoded.lastIndexOf('=', cut);
        if (lastEscape > cut - 3) cut = lastEscape;
        out.push(`${encoded.slice(0, cut)}=`);
        encoded = encoded.slice(cut);
      }
      out.push(encoded);
      return out.join(CRLF);
    })
    .join(CRLF);
}

/** Characters a parameter piece may hold before the next RFC 2231 continuation. */
const PARAMETER_PIECE = 60;

/** A file name parameter: quoted when plain ASCII, else RFC 2231 extended with
 * continuations (name*0*=UTF-8''…; name*1*=…) so that no line grows too long. Pieces are
 * folded onto their own lines. */
function fileNameParameter(name: string, filename: string): string {
  if (isAscii(filename) && !/["\\]/.test(filename) && filename.length <= PARAMETER_PIECE) return `${CRLF} ${name}="${filename}"`;
  const percentEncoded = [...new TextEncoder().encode(filename)].map((byte) =>
    /[A-Za-z0-9!#$&+\-.^_`|~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
  );
  const pieces: string[] = [];
  let current = "UTF-8''";
  for (const unit of percentEncoded) {
    if (current.length + unit.length > PARAMETER_PIECE) {
      pieces.push(current);
      current = '';
    }
    current += unit;
  }
  pieces.push(current);
  return pieces.map((piece, index) => `${CRLF} ${name}*${index}*=${piece}`).join(';');
}

export function formatDate(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export function newMessageId(domain: string): string {
  const random = crypto.getRandomValues(new Uint8Array(16));
  return `<${[...random].map((byte) => byte.toString(16).padStart(2, '0')).join('')}@${domain}>`;
}

export function buildMessage(message: OutgoingMessage): Uint8Array {
  const headers = [
    `Date: ${formatDate(message.date)}`,
    addressHeader('From', [message.from]),
    ...(message.to.length ? [addressHeader('To', message.to)] : []),
    ...(message.cc.length ? [addressHeader('Cc', message.cc)] : []),
    `Subject: ${encodeWords(message.subject)}`,
    `Message-ID: ${message.messageId}`,
    ...(message.inReplyTo ? [`In-Reply-To: ${message.inReplyTo}`] : []),
    ...(message.references?.length ? [`References: ${message.references.join(`${CRLF} `)}`] : []),
    'MIME-Version: 1.0',
  ];
  const textHeaders = ['Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: quoted-printable'];
  const textBody = quotedPrintable(message.text) + CRLF;
  const attachments = message.attachments ?? [];
  const encode = (text: string) => new TextEncoder().encode(text);
  if (attachments.length === 0) return encode([...headers, ...textHeaders].join(CRLF) + CRLF + CRLF + textBody);
  const boundary = `=_sealpost_${[...crypto.getRandomValues(new Uint8Array(12))].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  headers.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
  const parts = [
    textHeaders.join(CRLF) + CRLF + CRLF + textBody,
    ...attachments.map(
      (attachment) =>
        [
          `Content-Type: ${attachment.mimeType || 'application/octet-stream'};${fileNameParameter('name', attachment.filename)}`,
          `Content-Disposition: attachment;${fileNameParameter('filename', attachment.filename)}`,
          'Content-Transfer-Encoding: base64',
          '',
          base64Lines(attachment.content, ENCODED_LINE),
        ].join(CRLF) + CRLF,
    ),
  ];
  const body = `This is a multi-part message in MIME format.${CRLF}${parts.map((part) => `--${boundary}${CRLF}${part}`).join('')}--${boundary}--${CRLF}`;
  return encode(headers.join(CRLF) + CRLF + CRLF + body);
}
