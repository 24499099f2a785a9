// Structured MIME header values: `value *(";" name "=" (token / quoted-string))` as in
// Content-Type and Content-Disposition (RFC 2045 section 5.1, RFC 2183), with RFC 2231
// parameter continuations and charset/language extended values, and the RFC 2047 encoded
// words that many senders put in parameter values although the RFCs forbid it.
//
// Lenient the way mail readers are: unquoted values may contain spaces, a quote may be
// left open, junk between parameters is skipped, comments are ignored.

import type { ContentParam } from './types.ts';
import { concatBytes } from '../shared/bytes.ts';
import { decodeCharset, decodeEncodedWords } from './decode.ts';

export interface StructuredHeader {
  /** The leading value, lowercased, comments and whitespace removed ("text/plain"). */
  value: string;
  params: ContentParam[];
}

interface RawParam {
  name: string;
  value: string;
}

export function parseStructuredHeader(header: string): StructuredHeader {
  const semicolon = findUnquoted(header, 0, ';');
  const value = removeComments(header.slice(0, semicolon)).replace(/\s+/g, '').toLowerCase();
  const rawParams = semicolon < header.length ? scanParams(header, semicolon + 1) : [];
  return { value, params: assembleParams(rawParams) };
}

/** Index of the first `char` outside quotes and comments at or after `from`, or the length. */
function findUnquoted(text: string, from: number, char: string): number {
  let inQuotes = false;
  let commentDepth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
    } else if (inQuotes) {
      if (c === '"') inQuotes = false;
    } else if (commentDepth > 0) {
      if (c === '(') commentDepth++;
      else if (c === ')') commentDepth--;
    } else if (c === '"') {
      inQuotes = true;
    } else if (c === '(') {
      commentDepth++;
    } else if (c === char) {
      return i;
    }
  }
  return text.length;
}

/** The text without RFC 5322 comments (parenthesised, possibly nested). */
export function removeComments(text: string): string {
  if (!text.includes('(')) return text;
  let output = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) output += c;
  }
  return output;
}

function scanParams(header: string, from: number): RawParam[] {
  const params: RawParam[] = [];
  let position = from;
  while (position < header.length) {
    const end = findUnquoted(header, position, ';');
    const segment = header.slice(position, end);
    position = end + 1;
    const equals = segment.indexOf('=');
    if (equals < 0) continue;
    const name = removeComments(segment.slice(0, equals)).trim().toLowerCase();
    if (name === '' || /[\s"]/.test(name)) continue;
    params.push({ name, value: readParamValue(segment.slice(equals + 1)) });
  }
  return params;
}

function readParamValue(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('"')) return removeComments(trimmed).trim();
  let value = '';
  for (let i = 1; i < trimmed.length; i++) {
    const c = trimmed[i]!;
    if (c === '\\' && i + 1 < trimmed.length) {
      value += trimmed[++i];
    } else if (c === '"') {
      return value;
    } else {
      value += c;
    }
  }
  return value;
}

/** `name*3*` → base "name", section 3, extended. */
const SECTION_NAME = /^(.+?)\*(?:(\d{1,3})(\*)?)?$/;

interface Section {
  index: number;
  extended: boolean;
  value: string;
}

function assembleParams(rawParams: RawParam[]): ContentParam[] {
  const order: string[] = [];
  const plain = new Map<string, string>();
  const sectioned = new Map<string, Section[]>();
  for (const { name, value } of rawParams) {
    const match = SECTION_NAME.exec(name);
    if (!match) {
      if (!plain.has(name)) {
        plain.set(name, value);
        if (!sectioned.has(name)) order.push(name);
      }
      continue;
    }
    const base = match[1]!;
    const index = match[2] === undefined ? 0 : Number(match[2]);
    const extended = match[2] === undefined || match[3] === '*';
    let sections = sectioned.get(base);
    if (!sections) {
      sections = [];
      sectioned.set(base, sections);
      if (!plain.has(base)) order.push(base);
    }
    if (!sections.some((section) => section.index === index)) sections.push({ index, extended, value });
  }
  return order.map((name) => {
    const sections = sectioned.get(name);
    if (sections) return joinSections(name, sections);
    return plainParam(name, plain.get(name) ?? '');
  });
}

function plainParam(name: string, raw: string): ContentParam {
  const value = cleanValue(decodeEncodedWords(raw));
  return value === raw ? { name, value } : { name, value, raw };
}

/** RFC 2231 sections 3 and 4: sort, join, and decode `charset'language'%XX` values. */
function joinSections(name: string, sections: Section[]): ContentParam {
  sections.sort((a, b) => a.index - b.index);
  const anyExtended = sections.some((section) => section.extended);
  if (!anyExtended) return plainParam(name, sections.map((section) => section.value).join(''));

  let charset = '';
  let language = '';
  const bytes: Uint8Array[] = [];
  let wire = '';
  sections.forEach((section, position) => {
    let text = section.value;
    if (position === 0 && section.extended) {
      const charsetEnd = text.indexOf("'");
      const languageEnd = charsetEnd < 0 ? -1 : text.indexOf("'", charsetEnd + 1);
      if (languageEnd >= 0) {
        charset = text.slice(0, charsetEnd);
        language = text.slice(charsetEnd + 1, languageEnd);
        text = text.slice(languageEnd + 1);
      }
    }
    if (section.extended) {
      bytes.push(percentDecode(text));
      wire += text;
    } else {
      bytes.push(new TextEncoder().encode(text));
      wire += percentEncode(text);
    }
  });
  const value = cleanValue(decodeCharset(concatBytes(bytes), charset || 'utf-8'));
  return { name, value, raw: `${charset}'${language}'${wire}`, extended: true };
}

function percentDecode(text: string): Uint8Array {
  const source = new TextEncoder().encode(text);
  const out = new Uint8Array(source.length);
  let length = 0;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i]!;
    if (byte === 0x25 && i + 2 < source.length) {
      const hex = String.fromCharCode(source[i + 1]!, source[i + 2]!);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        out[length++] = Number.parseInt(hex, 16);
        i += 2;
        continue;
      }
    }
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

/** RFC 2231 attribute-char: everything but specials, space, '*', "'" and '%'. */
function percentEncode(text: string): string {
  let output = '';
  for (const byte of new TextEncoder().encode(text)) {
    const isAttributeChar = byte > 0x20 && byte < 0x7f && !'()<>@,;:\\"/[]?=*\'%'.includes(String.fromCharCode(byte));
    output += isAttributeChar ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return output;
}

function cleanValue(value: string): string {
  return /[\0\r\n]/.test(value) ? value.replace(/[\0\r\n]/g, '') : value;
}

/** The decoded value of a parameter, or null. */
export function paramValue(params: readonly ContentParam[] | undefined, name: string): string | null {
  if (!params) return null;
  for (const param of params) if (param.name === name) return param.value;
  return null;
}
