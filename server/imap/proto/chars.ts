// Byte classes of the IMAP grammar (RFC 3501 section 9, RFC 9051 section 9) as lookup
// tables, so scanners test one array slot per byte instead of running regular expressions,
// and the two ASCII conversions every scanner needs.

export const SP = 0x20;
export const CR = 0x0d;
export const LF = 0x0a;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_PAREN = 0x28;
export const CLOSE_PAREN = 0x29;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const TILDE = 0x7e;
export const PLUS = 0x2b;

function table(accept: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = accept(c) ? 1 : 0;
  return t;
}

const isCtlOrSpace = (c: number): boolean => c <= 0x20 || c === 0x7f;

/** ATOM-CHAR: any CHAR except atom-specials: ( ) { SP CTL % * " \ ] */
export const ATOM_CHAR = table((c) => c < 0x80 && !isCtlOrSpace(c) && !'(){%*"\\]'.includes(String.fromCharCode(c)));

/** ASTRING-CHAR: ATOM-CHAR or resp-specials ("]"). */
export const ASTRING_CHAR = table((c) => ATOM_CHAR[c] === 1 || c === CLOSE_BRACKET);

/** list-char: ATOM-CHAR, list-wildcards (% *) and resp-specials. */
export const LIST_CHAR = table((c) => ASTRING_CHAR[c] === 1 || c === 0x25 || c === 0x2a);

/** What the tokenizer reads as one bare token: printable ASCII except the bytes that start
 * or end another token. Deliberately wider than ATOM-CHAR so that sequence sets (`1:*`),
 * list patterns (`%`), flags (`\Seen`) and `BODY[...]` arrive whole; each command then
 * checks its bare tokens against the exact grammar. */
export const BARE_CHAR = table((c) => c < 0x80 && !isCtlOrSpace(c) && c !== OPEN_PAREN && c !== CLOSE_PAREN && c !== DQUOTE && c !== OPEN_BRACE);

/** TEXT-CHAR plus 8-bit for quoted strings: anything but NUL, CR and LF. */
export const QUOTED_CHAR = table((c) => c !== 0 && c !== CR && c !== LF);

/** ASCII bytes to a string; only called on ranges already checked to be ASCII. */
export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  if (end - start === 0) return '';
  // Chunked so that a 64 KiB argument never exceeds the engine's argument-count limit.
  const CHUNK = 8192;
  if (end - start <= CHUNK) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let out = '';
  for (let i = start; i < end; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]);
  }
  return out;
}

/** A string known to be ASCII to bytes. */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
export const utf8Encoder = new TextEncoder();

/** Strict UTF-8 decoding; undefined for invalid input (overlongs, surrogates, truncation). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  if (isAscii(bytes)) return asciiString(bytes, 0, bytes.length);
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when every byte of `text` (a JS string) is in `accept` and it is non-empty. */
export function allCharsIn(text: string, accept: Uint8Array): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || accept[c] !== 1) return false;
  }
  return true;
}
