// Decoding of what MIME encodes: charsets, RFC 2047 encoded words, header folding and the
// body content-transfer-encodings. Every function here accepts any input, including
// broken real-world forms, and never throws: a wrong guess costs a few odd characters,
// a throw would cost a message.
//
// Charset conversion is libmime's (iconv-lite and encoding-japanese behind alias
// normalisation). Encoded words are decoded here rather than with libmime.decodeWords
// because adjacent words must be joined as bytes before charset decoding (senders split
// multi-byte characters across words) and unknown charsets need the same fallback as
// bodies.

import charsetCodec from 'libmime/lib/charset.js';
import { Buffer } from 'node:buffer';
import { concatBytes } from '../shared/bytes.ts';
import type { MessageSummary } from './types.ts';
import { htmlToText } from './html-text.ts';
import { forEachNumberedPart, isMultipart } from './part-numbering.ts';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

/** True when the bytes are well-formed UTF-8 (pure ASCII included). */
function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    utf8Strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Labels that promise ASCII but are routinely used for unlabelled 8-bit text. */
const UNLABELLED_CHARSETS = new Set([
  '',
  'us-ascii',
  'ascii',
  'us_ascii',
  'ansi_x3.4-1968',
  'iso646-us',
  'default',
  'unknown',
  'unknown-8bit',
  'x-unknown',
  '7bit',
  '8bit',
  'none',
  'charset',
]);

function isKnownToWhatwg(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/** Lowercase charset label without quotes, whitespace or an RFC 2231 language suffix. */
function cleanCharsetLabel(label: string | null | undefined): string {
  if (!label) return '';
  const star = label.indexOf('*');
  const bare = star >= 0 ? label.slice(0, star) : label;
  return bare.replace(/["'\s]/g, '').toLowerCase();
}

/**
 * Decodes bytes declared to be in `charset`. Missing or ASCII labels read as UTF-8 when
 * the bytes are valid UTF-8 and as windows-1252 otherwise (what such mail almost always
 * is); an unknown label whose bytes are not UTF-8 falls back to windows-1252 as well.
 */
export function decodeCharset(bytes: Uint8Array, charset: string | null | undefined): string {
  if (bytes.length === 0) return '';
  const label = cleanCharsetLabel(charset);
  if (UNLABELLED_CHARSETS.has(label)) return decodeUtf8OrWindows1252(bytes);
  let normalized: string;
  try {
    normalized = charsetCodec.normalizeCharset(label);
  } catch {
    normalized = label;
  }
  if (normalized.toUpperCase() === 'UTF-8') return utf8Lenient.decode(bytes);
  let text: string;
  try {
    text = charsetCodec.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), normalized);
  } catch {
    text = utf8Lenient.decode(bytes);
  }
  if (text.includes('\uFFFD') && !isKnownToWhatwg(normalized) && !isValidUtf8(bytes)) {
    return decodeWindows1252(bytes);
  }
  return text;
}

/** UTF-8 when the bytes are valid UTF-8, windows-1252 otherwise. */
function decodeUtf8OrWindows1252(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

function decodeWindows1252(bytes: Uint8Array): string {
  return charsetCodec.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 'windows-1252');
}

/**
 * Header octets to text: UTF-8 when valid (RFC 6532 headers), windows-1252 otherwise.
 * NUL, CR and LF are dropped: a header value never legitimately contains them once
 * unfolded, and IMAP strings cannot carry them.
 */
export function headerBytesToText(bytes: Uint8Array): string {
  return stripControlBreaks(decodeUtf8OrWindows1252(bytes));
}

function stripControlBreaks(text: string): string {
  return /[\0\r\n]/.test(text) ? text.replace(/[\0\r\n]/g, '') : text;
}

/** RFC 5322 section 2.2.3 unfolding: a line break followed by whitespace is removed (the
 * whitespace stays); stray CR, LF and NUL are removed too. */
export function unfoldHeaderValue(value: string): string {
  return stripControlBreaks(value.replace(/\r?\n(?=[ \t])/g, ''));
}

// ---------------------------------------------------------------------------------------
// RFC 2047 encoded words

// charset (with optional *language) ? B|Q ? text ?=  — the text may contain spaces, which
// is invalid but common; it cannot contain '?', which keeps matching linear.
const ENCODED_WORD = /=\?([^?\s]{1,75})\?([bBqQ])\?([^?]*)\?=/g;
const ONLY_WHITESPACE = /^[ \t\r\n]*$/;

/**
 * Decodes RFC 2047 encoded words anywhere in `value` (also inside quoted strings and
 * glued to other text, as broken senders produce). Whitespace between two encoded words
 * is removed (RFC 2047 section 6.2); adjacent words in the same charset are joined as
 * bytes first, so a character split across words comes out whole. Decoded line breaks
 * become spaces and NULs are dropped, so a decoded header value can never smuggle a new
 * header line into anything that re-emits it.
 */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  return neutralizeBreaks(decodeWords(value));
}

function neutralizeBreaks(text: string): string {
  return /[\0\r\n]/.test(text) ? text.replace(/\0/g, '').replace(/\r\n|[\r\n]/g, ' ') : text;
}

function decodeWords(value: string): string {
  let output = '';
  let lastEnd = 0;
  let pendingCharset = '';
  let pendingBytes: Uint8Array[] = [];
  const flush = () => {
    if (pendingBytes.length > 0) output += decodeCharset(concatBytes(pendingBytes), pendingCharset);
    pendingBytes = [];
  };
  for (const match of value.matchAll(ENCODED_WORD)) {
    const [whole, charset = '', encoding = '', text = ''] = match;
    const start = match.index;
    const between = value.slice(lastEnd, start);
    const label = cleanCharsetLabel(charset);
    const adjacent = pendingBytes.length > 0 && ONLY_WHITESPACE.test(between);
    if (!adjacent || label !== pendingCharset) {
      flush();
      if (!adjacent) output += between;
      pendingCharset = label;
    }
    pendingBytes.push(encoding === 'b' || encoding === 'B' ? decodeBase64Text(text) : decodeQWord(text));
    lastEnd = start + whole.length;
  }
  flush();
  return output + value.slice(lastEnd);
}

function decodeBase64Text(text: string): Uint8Array {
  const decoder = new Base64Decoder();
  const first = decoder.push(textToBytes(text));
  return concatBytes([first, decoder.finish()]);
}

/** RFC 2047 "Q": '_' is a space, =XX a byte; other characters stand for themselves. */
function decodeQWord(text: string): Uint8Array {
  const source = textToBytes(text);
  const out = new Uint8Array(source.length);
  let length = 0;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i]!;
    if (byte === 0x5f) {
      out[length++] = 0x20;
    } else if (byte === 0x3d && i + 2 < source.length && isHex(source[i + 1]!) && isHex(source[i + 2]!)) {
      out[length++] = (hexValue(source[i + 1]!) << 4) | hexValue(source[i + 2]!);
      i += 2;
    } else {
      out[length++] = byte;
    }
  }
  return out.subarray(0, length);
}

const textEncoder = new TextEncoder();

function textToBytes(text: string): Uint8Array {
  return textEncoder.encode(text);
}

function isHex(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

function hexValue(byte: number): number {
  if (byte <= 0x39) return byte - 0x30;
  if (byte <= 0x46) return byte - 0x41 + 10;
  return byte - 0x61 + 10;
}

// ---------------------------------------------------------------------------------------
// Content-Transfer-Encoding

/** An incremental decoder: feed encoded pieces of any size, get decoded bytes. */
export interface TransferDecoder {
  push(chunk: Uint8Array): Uint8Array;
  finish(): Uint8Array;
}

/** Decoder for a Content-Transfer-Encoding token; unknown tokens pass bytes through, as
 * RFC 2045 section 6.4 suggests treating them as opaque. */
export function createTransferDecoder(encoding: string | null | undefined): TransferDecoder {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return new Base64Decoder();
    case 'quoted-printable':
      return new QuotedPrintableDecoder();
    default:
      return { push: (chunk) => chunk, finish: () => new Uint8Array(0) };
  }
}

/** Whole-buffer form of createTransferDecoder. */
export function decodeTransferEncoding(body: Uint8Array, encoding: string | null | undefined): Uint8Array {
  const decoder = createTransferDecoder(encoding);
  return concatBytes([decoder.push(body), decoder.finish()]);
}

const NOT_BASE64 = -1;
const BASE64_PAD = -2;
const BASE64_VALUES = (() => {
  const table = new Int8Array(256).fill(NOT_BASE64);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  // The URL-safe alphabet shows up in mail from broken web generators.
  table[0x2d] = 62;
  table[0x5f] = 63;
  table[0x3d] = BASE64_PAD;
  return table;
})();

/**
 * Lenient base64: characters outside the alphabet are skipped; '=' ends the current
 * quantum (so concatenated base64 blocks still decode); a dangling single sextet is
 * dropped.
 */
class Base64Decoder implements TransferDecoder {
  private quantum = 0;
  private sextets = 0;

  push(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(Math.floor(((chunk.length + 4) * 3) / 4));
    let length = 0;
    let quantum = this.quantum;
    let sextets = this.sextets;
    for (let i = 0; i < chunk.length; i++) {
      const value = BASE64_VALUES[chunk[i]!]!;
      if (value >= 0) {
        quantum = (quantum << 6) | value;
        if (++sextets === 4) {
          out[length++] = (quantum >>> 16) & 0xff;
          out[length++] = (quantum >>> 8) & 0xff;
          out[length++] = quantum & 0xff;
          quantum = 0;
          sextets = 0;
        }
      } else if (value === BASE64_PAD && sextets > 0) {
        length = this.writeTail(out, length, quantum, sextets);
        quantum = 0;
        sextets = 0;
      }
    }
    this.quantum = quantum;
    this.sextets = sextets;
    return out.subarray(0, length);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(2);
    const length = this.writeTail(out, 0, this.quantum, this.sextets);
    this.quantum = 0;
    this.sextets = 0;
    return out.subarray(0, length);
  }

  private writeTail(out: Uint8Array, length: number, quantum: number, sextets: number): number {
    if (sextets === 2) {
      out[length++] = (quantum >>> 4) & 0xff;
    } else if (sextets === 3) {
      out[length++] = (quantum >>> 10) & 0xff;
      out[length++] = (quantum >>> 2) & 0xff;
    }
    return length;
  }
}

const CR = 0x0d;
const LF = 0x0a;
const EQUALS = 0x3d;
const SPACE = 0x20;
const TAB = 0x09;
/** Longest "=" + trailing whitespace run we wait for before deciding it is not a soft line
 * break; RFC 2045 lines are at most 76 octets. */
const QP_MAX_SOFT_BREAK_PADDING = 78;
/** "=XX". */
const HEX_ESCAPE_LENGTH = 3;

/**
 * Lenient quoted-printable (RFC 2045 section 6.7): "=XX" is a byte, "=" + optional
 * whitespace + line break is a soft break (CRLF, bare LF or bare CR), and a malformed
 * "=" is kept literally.
 */
class QuotedPrintableDecoder implements TransferDecoder {
  private pending: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array {
    const input = this.pending.length > 0 ? concatBytes([this.pending, chunk]) : chunk;
    this.pending = new Uint8Array(0);
    const out = new Uint8Array(input.length);
    let length = 0;
    let i = 0;
    while (i < input.length) {
      const byte = input[i]!;
      if (byte !== EQUALS) {
        out[length++] = byte;
        i++;
        continue;
      }
      const step = this.escapeLength(input, i);
      if (step === 0) {
        this.pending = input.slice(i);
        break;
      }
      if (step < 0) {
        out[length++] = EQUALS;
        i++;
        continue;
      }
      if (step === HEX_ESCAPE_LENGTH && isHex(input[i + 1]!)) {
        out[length++] = (hexValue(input[i + 1]!) << 4) | hexValue(input[i + 2]!);
      }
      i += step;
    }
    return out.subarray(0, length);
  }

  finish(): Uint8Array {
    const rest = this.pending;
    this.pending = new Uint8Array(0);
    // A trailing "=" (plus whitespace) at the very end is a soft break with nothing after.
    let onlyPadding = rest.length > 0;
    for (let i = 1; i < rest.length; i++) {
      const byte = rest[i]!;
      if (byte !== SPACE && byte !== TAB && byte !== CR) onlyPadding = false;
    }
    return onlyPadding ? new Uint8Array(0) : rest;
  }

  /**
   * Octets consumed by the "=" at `at`: 3 for a hex escape, the soft break's length, 0 when
   * more input is needed to decide, -1 for a literal "=".
   */
  private escapeLength(input: Uint8Array, at: number): number {
    if (at + 1 >= input.length) return 0;
    const next = input[at + 1]!;
    if (isHex(next)) {
      if (at + 2 >= input.length) return 0;
      return isHex(input[at + 2]!) ? 3 : -1;
    }
    let j = at + 1;
    while (j < input.length && (input[j] === SPACE || input[j] === TAB)) {
      if (j - at > QP_MAX_SOFT_BREAK_PADDING) return -1;
      j++;
    }
    if (j >= input.length) return j - at > QP_MAX_SOFT_BREAK_PADDING ? -1 : 0;
    if (input[j] === LF) return j - at + 1;
    if (input[j] === CR) {
      if (j + 1 >= input.length) return 0;
      return input[j + 1] === LF ? j - at + 2 : j - at + 1;
    }
    return -1;
  }
}

// ---------------------------------------------------------------------------------------
// Text of a whole message, for SEARCH BODY / TEXT

export interface ExtractedText {
  /** IMAP part number of the text part. */
  path: number[];
  /** Lowercase subtype: "plain", "html", "calendar", ... */
  subtype: string;
  /** Decoded text; HTML has its markup removed. */
  text: string;
}

/**
 * The decoded text of every text/* part of `raw` (attached messages included), using
 * the summary made from the same bytes. Runs where a session holds the decrypted message.
 */
export function extractText(raw: Uint8Array, summary: MessageSummary): ExtractedText[] {
  const texts: ExtractedText[] = [];
  forEachNumberedPart(summary.structure, (part, path) => {
    if (part.type !== 'text' || isMultipart(part)) return;
    const body = raw.subarray(Math.min(part.headerEnd, raw.length), Math.min(part.bodyEnd, raw.length));
    const charset = part.params?.find((param) => param.name === 'charset')?.value ?? null;
    const decoded = decodeCharset(decodeTransferEncoding(body, part.encoding), charset);
    texts.push({ path, subtype: part.subtype, text: part.subtype === 'html' ? htmlToText(decoded) : decoded });
  });
  return texts;
}
