// From a MessageSummary to IMAP FETCH data (RFC 3501 section 7.4.2, RFC 9051 section
// 7.5.2): ENVELOPE, BODY and BODYSTRUCTURE as typed values, and BODY[section] as byte
// ranges of the raw message. Pure functions; no protocol text is built here.
//
// DATA MODEL for the IMAP serializer:
//
//   ImapValue = ImapNil | ImapString | ImapNumber | ImapValue[]
//   { type: 'nil' }                 NIL
//   { type: 'string', value }       an IMAP string. `value` is a JavaScript string that
//                                   never contains NUL, CR or LF. Emit it as a quoted
//                                   string when it is 7-bit (escape '"' and '\'), as a
//                                   literal of its UTF-8 bytes otherwise (or as a quoted
//                                   UTF-8 string when the client enabled UTF8=ACCEPT).
//   { type: 'number', value }       a non-negative integer, in decimal
//   ImapValue[]                     a parenthesised list, elements separated by one space
//
// toEnvelope() and toBodyStructure() return a list; the serializer writes it with its
// parentheses, e.g. `ENVELOPE ("date" "subject" ...)`, `BODYSTRUCTURE (("text" ...) ...)`.
// Compatibility choices follow Dovecot: missing address halves are MISSING_MAILBOX /
// MISSING_DOMAIN, text parts without a charset get ("charset" "us-ascii"), a multipart
// without parts gets one empty text/plain part, RFC 2231 parameters are sent as
// `name*` with their extended value.

import { concatBytes } from '../shared/bytes.ts';
import type { AddressEntry, ContentParam, Envelope, MessageSummary, MimePart } from './types.ts';
import { findPart, isMultipart } from './part-numbering.ts';

export interface ImapNil {
  type: 'nil';
}
export interface ImapString {
  type: 'string';
  value: string;
}
export interface ImapNumber {
  type: 'number';
  value: number;
}
export type ImapValue = ImapNil | ImapString | ImapNumber | ImapValue[];

const NIL: ImapNil = { type: 'nil' };

function imapString(value: string): ImapString {
  return { type: 'string', value };
}

function nstring(value: string | null | undefined): ImapNil | ImapString {
  return value === null || value === undefined ? NIL : imapString(value);
}

function imapNumber(value: number): ImapNumber {
  return { type: 'number', value };
}

/** Placeholders Dovecot sends for an address without local part or domain: an empty host
 * would read as a group marker. */
const MISSING_MAILBOX = 'MISSING_MAILBOX';
const MISSING_DOMAIN = 'MISSING_DOMAIN';
const DEFAULT_ENCODING = '7bit';
const DEFAULT_CHARSET = 'us-ascii';

// ---------------------------------------------------------------------------------------
// ENVELOPE

/** ENVELOPE of the message: (date subject from sender reply-to to cc bcc in-reply-to
 * message-id). */
export function toEnvelope(summary: MessageSummary): ImapValue[] {
  return envelopeData(summary.envelope);
}

function envelopeData(envelope: Envelope): ImapValue[] {
  const from = addressList(envelope.from);
  // RFC 3501: an absent or empty Sender or Reply-To is sent as the From value.
  const sender = envelope.sender.length > 0 ? addressList(envelope.sender) : from;
  const replyTo = envelope.replyTo.length > 0 ? addressList(envelope.replyTo) : from;
  return [
    nstring(envelope.date),
    nstring(envelope.subject),
    from,
    sender,
    replyTo,
    addressList(envelope.to),
    addressList(envelope.cc),
    addressList(envelope.bcc),
    nstring(envelope.inReplyTo),
    nstring(envelope.messageId),
  ];
}

/** ((name adl mailbox host) ...), or NIL for no address. */
function addressList(entries: readonly AddressEntry[]): ImapValue {
  if (entries.length === 0) return NIL;
  return entries.map((entry): ImapValue => {
    if ('groupEnd' in entry) return [NIL, NIL, NIL, NIL];
    if ('group' in entry) return [NIL, NIL, imapString(entry.group), NIL];
    return [
      nstring(entry.name === '' ? null : entry.name),
      nstring(entry.route),
      imapString(entry.mailbox === '' ? MISSING_MAILBOX : entry.mailbox),
      imapString(entry.host === '' ? MISSING_DOMAIN : entry.host),
    ];
  });
}

// ---------------------------------------------------------------------------------------
// BODY / BODYSTRUCTURE

/** BODYSTRUCTURE (`extensible: true`) or BODY (`extensible: false`) of the message. */
export function toBodyStructure(summary: MessageSummary, options: { extensible: boolean }): ImapValue[] {
  return bodyData(summary.structure, options.extensible);
}

/** What Dovecot sends for a multipart that has no parts, which the grammar forbids. */
function emptyTextPart(): ImapValue[] {
  return [
    imapString('text'),
    imapString('plain'),
    [imapString('charset'), imapString(DEFAULT_CHARSET)],
    NIL,
    NIL,
    imapString(DEFAULT_ENCODING),
    imapNumber(0),
    imapNumber(0),
  ];
}

function bodyData(part: MimePart, extensible: boolean): ImapValue[] {
  if (isMultipart(part)) {
    const children = part.children!.length > 0 ? part.children!.map((child) => bodyData(child, extensible)) : [emptyTextPart()];
    const items: ImapValue[] = [...children, imapString(part.subtype)];
    // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
    if (extensible) items.push(paramList(part.params, false), dispositionData(part), languageData(part), nstring(part.location));
    return items;
  }
  const isText = part.type === 'text';
  // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
  const items: ImapValue[] = [
    imapString(part.type),
    imapString(part.subtype),
    paramList(part.params, isText),
    nstring(part.id),
    nstring(part.description),
    imapString(part.encoding ?? DEFAULT_ENCODING),
    imapNumber(part.bodyEnd - part.headerEnd),
  ];
  if (part.message) {
    // body-type-msg: ... SP envelope SP body SP body-fld-lines
    items.push(envelopeData(part.message.envelope), bodyData(part.message.structure, extensible), imapNumber(part.lines));
  } else if (isText) {
    items.push(imapNumber(part.lines));
  }
  // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
  if (extensible) items.push(NIL, dispositionData(part), languageData(part), nstring(part.location));
  return items;
}

/** ("name" "value" ...) in wire form, or NIL. */
function paramList(params: readonly ContentParam[] | undefined, addDefaultCharset: boolean): ImapValue {
  const items: ImapValue[] = [];
  let hasCharset = false;
  for (const param of params ?? []) {
    if (param.name === 'charset') hasCharset = true;
    items.push(imapString(param.extended ? `${param.name}*` : param.name), imapString(param.raw ?? param.value));
  }
  if (addDefaultCharset && !hasCharset) items.push(imapString('charset'), imapString(DEFAULT_CHARSET));
  return items.length > 0 ? items : NIL;
}

function dispositionData(part: MimePart): ImapValue {
  if (!part.disposition) return NIL;
  return [imapString(part.disposition.type), paramList(part.disposition.params, false)];
}

function languageData(part: MimePart): ImapValue {
  if (!part.language) return NIL;
  return part.language.map(imapString);
}

// ---------------------------------------------------------------------------------------
// BODY[section]

/** The section-text of a BODY[...] section; HEADER.FIELDS variants resolve to the HEADER
 * range, to be filtered with selectHeaderFields(). */
export type SectionText = '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/** [start, end) octets of the raw message. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The byte range of BODY[path.text] (RFC 3501 section 6.4.5), e.g. path [1, 2] and text
 * 'MIME' for BODY[1.2.MIME]. Returns null when the section does not exist (a part number
 * out of range, HEADER or TEXT of a part that is not message/rfc822, MIME with no part).
 */
export function sectionRange(summary: MessageSummary, path: readonly number[], text: SectionText): ByteRange | null {
  const root = summary.structure;
  if (path.length === 0) {
    switch (text) {
      case '':
        return { start: 0, end: summary.size };
      case 'TEXT':
        return { start: root.headerEnd, end: root.bodyEnd };
      case 'MIME':
        return null;
      default:
        return { start: root.headerStart, end: root.headerEnd };
    }
  }
  const part = findPart(root, path);
  if (!part) return null;
  switch (text) {
    case '':
      return { start: part.headerEnd, end: part.bodyEnd };
    case 'MIME':
      return { start: part.headerStart, end: part.headerEnd };
    case 'TEXT': {
      const message = part.message?.structure;
      return message ? { start: message.headerEnd, end: message.bodyEnd } : null;
    }
    default: {
      const message = part.message?.structure;
      return message ? { start: message.headerStart, end: message.headerEnd } : null;
    }
  }
}

const LINE_FEED = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const CRLF = new Uint8Array([0x0d, 0x0a]);

/**
 * HEADER.FIELDS / HEADER.FIELDS.NOT: the fields of a header block (as returned for the
 * HEADER range) whose names are (or, with `exclude`, are not) in `names`, compared
 * case-insensitively, folding kept, followed by the blank line that ends a header.
 */
export function selectHeaderFields(header: Uint8Array, names: readonly string[], exclude: boolean): Uint8Array {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const kept: Uint8Array[] = [];
  let fieldStart = -1;
  let fieldSelected = false;
  const closeField = (end: number) => {
    if (fieldStart >= 0 && fieldSelected) kept.push(header.subarray(fieldStart, end));
    fieldStart = -1;
  };
  let position = 0;
  while (position < header.length) {
    const newline = header.indexOf(LINE_FEED, position);
    const lineEnd = newline < 0 ? header.length : newline + 1;
    const first = header[position];
    const isBlank = first === LINE_FEED || (first === 0x0d && header[position + 1] === LINE_FEED);
    if (isBlank) break;
    if (first !== SPACE && first !== TAB) {
      closeField(position);
      fieldStart = position;
      const colon = header.subarray(position, lineEnd).indexOf(COLON);
      const name =
        colon < 0
          ? null
          : new TextDecoder('latin1')
              .decode(header.subarray(position, position + colon))
              .trim()
              .toLowerCase();
      fieldSelected = name === null ? exclude : wanted.has(name) !== exclude;
    }
    position = lineEnd;
  }
  closeField(position);
  const lastField = kept[kept.length - 1];
  if (lastField && lastField[lastField.length - 1] !== LINE_FEED) kept.push(CRLF);
  kept.push(CRLF);
  return concatBytes(kept);
}
