// Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3), used unless the client enabled
// UTF8=ACCEPT. Decoding is strict: exactly one encoding of each name is accepted, so two
// different wire names can never reach the same folder (and an attacker cannot smuggle a
// name past a check done on the encoded form).

import { ProtoError } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const AMPERSAND = 0x26;

const isDirect = (c: number): boolean => c >= 0x20 && c <= 0x7e;

function invalid(reason: string): ProtoError {
  return new ProtoError('INVALID_MAILBOX_NAME', `Mailbox name is not valid modified UTF-7: ${reason}`);
}

/** Encodes a Unicode mailbox name to modified UTF-7. */
export function encodeModifiedUtf7(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (c === AMPERSAND) {
      out += '&-';
      i++;
      continue;
    }
    if (isDirect(c)) {
      let j = i + 1;
      while (j < name.length && isDirect(name.charCodeAt(j)) && name.charCodeAt(j) !== AMPERSAND) j++;
      out += name.slice(i, j);
      i = j;
      continue;
    }
    let j = i;
    while (j < name.length && !isDirect(name.charCodeAt(j))) j++;
    out += `&${encodeRun(name, i, j)}-`;
    i = j;
  }
  return out;
}

function encodeRun(name: string, start: number, end: number): string {
  let out = '';
  let bits = 0;
  let buffer = 0;
  for (let i = start; i < end; i++) {
    buffer = (buffer << 16) | name.charCodeAt(i);
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(buffer >> bits) & 0x3f];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (6 - bits)) & 0x3f];
  return out;
}

/** Decodes a modified UTF-7 mailbox name; throws ProtoError INVALID_MAILBOX_NAME. */
export function decodeModifiedUtf7(encoded: string): string {
  if (encoded.indexOf('&') === -1) {
    for (let i = 0; i < encoded.length; i++) {
      if (!isDirect(encoded.charCodeAt(i))) throw invalid('characters outside printable ASCII');
    }
    return encoded;
  }
  let out = '';
  let i = 0;
  let previousWasEncoded = false;
  while (i < encoded.length) {
    const c = encoded.charCodeAt(i);
    if (!isDirect(c)) throw invalid('characters outside printable ASCII');
    if (c !== AMPERSAND) {
      out += encoded[i];
      i++;
      previousWasEncoded = false;
      continue;
    }
    const end = encoded.indexOf('-', i + 1);
    if (end === -1) throw invalid('unterminated "&" sequence');
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      previousWasEncoded = false;
      continue;
    }
    // Two encoded runs in a row must have been written as one.
    if (previousWasEncoded) throw invalid('adjacent encoded sequences');
    out += decodeRun(encoded, i + 1, end);
    i = end + 1;
    previousWasEncoded = true;
  }
  return out;
}

function decodeRun(encoded: string, start: number, end: number): string {
  let bits = 0;
  let buffer = 0;
  let out = '';
  for (let i = start; i < end; i++) {
    const c = encoded.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) throw invalid('invalid base64 character');
    buffer = ((buffer << 6) | v) & 0x3fffff;
    bits += 6;
    if (bits >= 16) {
      bits -= 16;
      out += String.fromCharCode((buffer >> bits) & 0xffff);
    }
  }
  // Leftover bits are padding: fewer than 6 and all zero, else the run is not canonical.
  if (bits >= 6 || (buffer & ((1 << bits) - 1)) !== 0) throw invalid('non-canonical base64 padding');
  if (out.length === 0) throw invalid('empty encoded sequence');
  for (let i = 0; i < out.length; i++) {
    const u = out.charCodeAt(i);
    if (isDirect(u)) throw invalid('printable ASCII must not be encoded');
    if (u >= 0xd800 && u <= 0xdbff) {
      const low = out.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) throw invalid('unpaired surrogate');
      i++;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      throw invalid('unpaired surrogate');
    }
  }
  return out;
}
