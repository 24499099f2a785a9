// The response serialiser: typed response objects in, bytes out. Handlers describe what
// to say; this module alone knows how IMAP writes it (string forms, mailbox name encoding,
// response codes, compact UID sets). `serializeResponse` returns chunks: small responses
// are one Uint8Array; a FETCH with a large or streamed body returns the header, the body
// as its own chunk (never copied) and the rest, so a 20 MB message is written piecewise.

import { encodeBase64 } from './base64.ts';
import type { StatusItem } from './commands/status.ts';
import { formatDateTime } from './datetime.ts';
import { ProtoError } from './errors.ts';
import { formatBodySection, type BodySection } from './section.ts';
import { formatSequenceSet } from './seqset.ts';
import { encodeModifiedUtf7 } from './utf7.ts';
import { ResponseWriter, type ResponseChunk, type StreamedPayload } from './writer.ts';

export type { ResponseChunk, StreamedPayload } from './writer.ts';

/** The model another module uses for ENVELOPE and BODYSTRUCTURE: arrays are lists. */
export type NestedValue =
  | { readonly type: 'string'; readonly value: string | Uint8Array }
  | { readonly type: 'nil' }
  | { readonly type: 'number'; readonly value: number | bigint }
  | { readonly type: 'atom'; readonly value: string }
  | readonly NestedValue[];

export type ResponseCode =
  | {
      readonly code:
        | 'ALERT'
        | 'PARSE'
        | 'TRYCREATE'
        | 'NONEXISTENT'
        | 'ALREADYEXISTS'
        | 'NOMODSEQ'
        | 'CLOSED'
        | 'READ-ONLY'
        | 'READ-WRITE'
        | 'OVERQUOTA'
        | 'LIMIT'
        | 'INUSE'
        | 'AUTHENTICATIONFAILED'
        | 'AUTHORIZATIONFAILED'
        | 'EXPIRED'
        | 'UNAVAILABLE'
        | 'PRIVACYREQUIRED'
        | 'CANNOT'
        | 'SERVERBUG'
        | 'TOOBIG'
        | 'COMPRESSIONACTIVE'
        | 'CLIENTBUG'
        | 'CONTACTADMIN'
        | 'EXPUNGEISSUED'
        | 'NOPERM'
        | 'HASCHILDREN'
        | 'CORRUPTION'
        | 'UIDNOTSTICKY'
        | 'UNKNOWN-CTE'
        | 'USEATTR';
    }
  | { readonly code: 'CAPABILITY'; readonly capabilities: readonly string[] }
  /** Include "\\*" when clients may create keywords. */
  | { readonly code: 'PERMANENTFLAGS'; readonly flags: readonly string[] }
  | { readonly code: 'UIDVALIDITY' | 'UIDNEXT' | 'UNSEEN'; readonly value: number }
  | { readonly code: 'HIGHESTMODSEQ'; readonly value: bigint }
  | { readonly code: 'APPENDUID'; readonly uidValidity: number; readonly uids: readonly number[] }
  /** Source and destination UIDs pair up element by element; their order is kept. */
  | {
      readonly code: 'COPYUID';
      readonly uidValidity: number;
      readonly sourceUids: readonly number[];
      readonly destinationUids: readonly number[];
    }
  | { readonly code: 'MODIFIED'; readonly numbers: readonly number[] }
  | { readonly code: 'BADCHARSET'; readonly charsets: readonly string[] };

export type BodyData = Uint8Array | StreamedPayload | null;

export type FetchItem =
  | { readonly item: 'UID'; readonly uid: number }
  | { readonly item: 'FLAGS'; readonly flags: readonly string[] }
  | { readonly item: 'INTERNALDATE'; readonly timestamp: number; readonly offsetMinutes?: number }
  | { readonly item: 'RFC822.SIZE'; readonly size: number }
  | { readonly item: 'MODSEQ'; readonly modSeq: bigint }
  | { readonly item: 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE'; readonly value: NestedValue }
  /** BODY[section]<origin>: origin echoes the partial offset the client asked for. */
  | { readonly item: 'BODY[]'; readonly section: BodySection; readonly origin?: number; readonly data: BodyData }
  /** BINARY[part]<origin>: sent as literal8 when the data holds NUL or is streamed. */
  | { readonly item: 'BINARY[]'; readonly part: readonly number[]; readonly origin?: number; readonly data: BodyData }
  | { readonly item: 'BINARY.SIZE'; readonly part: readonly number[]; readonly size: number }
  | { readonly item: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT'; readonly data: BodyData };

export interface ThreadNode {
  /** null for a dummy parent that only groups its children. */
  readonly id: number | null;
  readonly children: readonly ThreadNode[];
}

export interface Namespace {
  readonly prefix: string;
  readonly delimiter: string | null;
}

export type StatusValues = { readonly [K in StatusItem]?: K extends 'HIGHESTMODSEQ' ? bigint : K extends 'APPENDLIMIT' ? number | null : number };

export type Response =
  | { readonly type: 'tagged'; readonly tag: string; readonly status: 'OK' | 'NO' | 'BAD'; readonly code?: ResponseCode; readonly text: string }
  | { readonly type: 'status'; readonly status: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH'; readonly code?: ResponseCode; readonly text: string }
  /** "+ text": ready for a literal, or idling. */
  | { readonly type: 'continuation'; readonly text: string }
  /** "+ base64": a SASL challenge. */
  | { readonly type: 'challenge'; readonly data: Uint8Array }
  | { readonly type: 'capability'; readonly capabilities: readonly string[] }
  | { readonly type: 'flags'; readonly flags: readonly string[] }
  | { readonly type: 'exists'; readonly count: number }
  | { readonly type: 'recent'; readonly count: number }
  | { readonly type: 'expunge'; readonly seq: number }
  | { readonly type: 'vanished'; readonly earlier: boolean; readonly uids: readonly number[] }
  | { readonly type: 'fetch'; readonly seq: number; readonly items: readonly FetchItem[] }
  | { readonly type: 'search' | 'sort'; readonly numbers: readonly number[]; readonly modSeq?: bigint }
  | {
      readonly type: 'esearch';
      /** The tag of the SEARCH it answers (RFC 4731 search-correlator). */
      readonly tag: string;
      readonly uid: boolean;
      readonly min?: number;
      readonly max?: number;
      readonly all?: readonly number[];
      readonly count?: number;
      readonly modSeq?: bigint;
    }
  | { readonly type: 'thread'; readonly threads: readonly ThreadNode[] }
  | {
      readonly type: 'list' | 'lsub';
      readonly attributes: readonly string[];
      readonly delimiter: string | null;
      readonly mailbox: string;
      /** LIST-EXTENDED CHILDINFO, e.g. ["SUBSCRIBED"]. */
      readonly childInfo?: readonly string[];
      /** LIST-EXTENDED OLDNAME (after a RENAME, RFC 5465/9051). */
      readonly oldName?: string;
    }
  | { readonly type: 'status-data'; readonly mailbox: string; readonly values: StatusValues }
  | {
      readonly type: 'namespace';
      readonly personal: readonly Namespace[] | null;
      readonly otherUsers: readonly Namespace[] | null;
      readonly shared: readonly Namespace[] | null;
    }
  | { readonly type: 'id'; readonly parameters: ReadonlyArray<readonly [string, string | null]> | null }
  | { readonly type: 'enabled'; readonly capabilities: readonly string[] }
  | {
      readonly type: 'quota';
      readonly root: string;
      readonly resources: ReadonlyArray<{ readonly name: string; readonly usage: number; readonly limit: number }>;
    }
  | { readonly type: 'quotaroot'; readonly mailbox: string; readonly roots: readonly string[] };

export interface SerializeOptions {
  /** UTF8=ACCEPT is enabled: mailbox names and strings go out as UTF-8. */
  readonly utf8Accept?: boolean;
}

/** The order STATUS items are written in (the order of RFC 9051's list, extensions after). */
const STATUS_ORDER: readonly StatusItem[] = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'HIGHESTMODSEQ', 'APPENDLIMIT'];

/** Serialises one response to its wire chunks. Throws ProtoError INVALID_RESPONSE for a
 * response that cannot be written (a server bug: e.g. a flag with a space in it). */
export function serializeResponse(response: Response, options: SerializeOptions = {}): ResponseChunk[] {
  const utf8 = options.utf8Accept ?? false;
  const w = new ResponseWriter({ utf8 });
  switch (response.type) {
    case 'tagged':
      w.ascii(response.tag).sp().ascii(response.status);
      writeResponseText(w, response.code, response.text, utf8);
      break;
    case 'status':
      w.ascii('* ').ascii(response.status);
      writeResponseText(w, response.code, response.text, utf8);
      break;
    case 'continuation':
      w.ascii('+ ').text(sanitiseText(response.text, utf8));
      break;
    case 'challenge':
      w.ascii('+ ').ascii(encodeBase64(response.data));
      break;
    case 'capability':
      w.ascii('* CAPABILITY');
      for (const c of response.capabilities) w.sp().atom(c);
      break;
    case 'flags':
      w.ascii('* FLAGS ');
      writeAtomList(w, response.flags);
      break;
    case 'exists':
    case 'recent':
      w.ascii('* ')
        .number(response.count)
        .ascii(response.type === 'exists' ? ' EXISTS' : ' RECENT');
      break;
    case 'expunge':
      w.ascii('* ').number(response.seq).ascii(' EXPUNGE');
      break;
    case 'vanished':
      w.ascii(response.earlier ? '* VANISHED (EARLIER) ' : '* VANISHED ').ascii(formatSequenceSet(response.uids));
      break;
    case 'fetch':
      w.ascii('* ').number(response.seq).ascii(' FETCH (');
      response.items.forEach((item, i) => {
        if (i > 0) w.sp();
        writeFetchItem(w, item);
      });
      w.byte(0x29);
      break;
    case 'search':
    case 'sort':
      w.ascii(response.type === 'search' ? '* SEARCH' : '* SORT');
      for (const n of response.numbers) w.sp().number(n);
      if (response.modSeq !== undefined) w.ascii(' (MODSEQ ').number(response.modSeq).byte(0x29);
      break;
    case 'esearch':
      writeEsearch(w, response);
      break;
    case 'thread':
      w.ascii('* THREAD');
      if (response.threads.length > 0) w.sp();
      for (const root of response.threads) writeThread(w, root);
      break;
    case 'list':
    case 'lsub':
      writeList(w, response);
      break;
    case 'status-data':
      w.ascii('* STATUS ');
      writeMailbox(w, response.mailbox);
      w.ascii(' (');
      writeStatusValues(w, response.values);
      w.byte(0x29);
      break;
    case 'namespace':
      w.ascii('* NAMESPACE ');
      writeNamespaces(w, response.personal);
      w.sp();
      writeNamespaces(w, response.otherUsers);
      w.sp();
      writeNamespaces(w, response.shared);
      break;
    case 'id':
      w.ascii('* ID ');
      if (response.parameters === null) {
        w.ascii('NIL');
      } else {
        w.byte(0x28);
        response.parameters.forEach(([field, value], i) => {
          if (i > 0) w.sp();
          w.string(field).sp().nstring(value);
        });
        w.byte(0x29);
      }
      break;
    case 'enabled':
      w.ascii('* ENABLED');
      for (const c of response.capabilities) w.sp().atom(c);
      break;
    case 'quota':
      w.ascii('* QUOTA ').astring(response.root).ascii(' (');
      response.resources.forEach((r, i) => {
        if (i > 0) w.sp();
        w.atom(r.name).sp().number(r.usage).sp().number(r.limit);
      });
      w.byte(0x29);
      break;
    case 'quotaroot':
      w.ascii('* QUOTAROOT ');
      writeMailbox(w, response.mailbox);
      for (const root of response.roots) w.sp().astring(root);
      break;
  }
  w.crlf();
  return w.finish();
}

/** Concatenates the chunks of responses that have no streamed part (tests, small replies). */
export function serializeToBytes(response: Response, options: SerializeOptions = {}): Uint8Array {
  const chunks = serializeResponse(response, options);
  let length = 0;
  for (const c of chunks) {
    if (!(c instanceof Uint8Array)) throw new TypeError('The response has a streamed part; write its chunks instead');
    length += c.length;
  }
  const out = new Uint8Array(length);
  let o = 0;
  for (const c of chunks as Uint8Array[]) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * The bytes of serialised chunks in order, reading streamed payloads. A payload whose
 * stream yields more or fewer bytes than announced throws ProtoError INVALID_RESPONSE; the
 * literal framing is then broken and the session must close the connection.
 */
export async function* chunkBytes(chunks: readonly ResponseChunk[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    if (chunk instanceof Uint8Array) {
      yield chunk;
      continue;
    }
    let sent = 0;
    for await (const piece of chunk.stream) {
      sent += piece.length;
      if (sent > chunk.size) break;
      yield piece;
    }
    if (sent !== chunk.size) {
      throw new ProtoError('INVALID_RESPONSE', 'A streamed literal did not match its announced size');
    }
  }
}

/** The reply to a receiver or parser error: tagged when the tag is known, else untagged. */
export function responseForError(error: ProtoError): Response {
  let status: 'NO' | 'BAD' = 'BAD';
  let code: ResponseCode | undefined;
  switch (error.code) {
    case 'LITERAL_TOO_LARGE':
      // RFC 7889 section 4: a message above the limit gets NO [TOOBIG].
      status = 'NO';
      code = { code: 'TOOBIG' };
      break;
    case 'NON_SYNC_LITERAL_TOO_LARGE':
      // RFC 7888: BAD with TOOBIG for a LITERAL- violation.
      code = { code: 'TOOBIG' };
      break;
    case 'BAD_CHARSET':
      status = 'NO';
      code = { code: 'BADCHARSET', charsets: error.charsets ?? [] };
      break;
    case 'INVALID_MAILBOX_NAME':
      // Like Dovecot: the command was well-formed, the name cannot exist.
      status = 'NO';
      code = { code: 'CANNOT' };
      break;
    default:
      break;
  }
  const text = error.message;
  if (error.tag === undefined) return code === undefined ? { type: 'status', status, text } : { type: 'status', status, code, text };
  return code === undefined ? { type: 'tagged', tag: error.tag, status, text } : { type: 'tagged', tag: error.tag, status, code, text };
}

// ---- parts -------------------------------------------------------------------------------

/** resp-text: text is for humans; CR, LF and controls would break framing, so they become
 * spaces, and 8-bit only passes under UTF8=ACCEPT (IMAP4rev1 text is 7-bit). */
function sanitiseText(text: string, utf8: boolean): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && !utf8)) {
      out += text.slice(start, i) + (c >= 0x80 ? '?' : ' ');
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

function writeResponseText(w: ResponseWriter, code: ResponseCode | undefined, text: string, utf8: boolean): void {
  if (code !== undefined) {
    w.ascii(' [');
    writeCode(w, code);
    w.byte(0x5d);
  }
  const clean = sanitiseText(text, utf8);
  if (clean.length > 0) w.sp().text(clean);
}

function writeCode(w: ResponseWriter, code: ResponseCode): void {
  w.ascii(code.code);
  switch (code.code) {
    case 'CAPABILITY':
      for (const c of code.capabilities) w.sp().atom(c);
      break;
    case 'PERMANENTFLAGS':
      w.sp();
      writeAtomList(w, code.flags);
      break;
    case 'UIDVALIDITY':
    case 'UIDNEXT':
    case 'UNSEEN':
    case 'HIGHESTMODSEQ':
      w.sp().number(code.value);
      break;
    case 'APPENDUID':
      w.sp().number(code.uidValidity).sp().ascii(formatSequenceSet(code.uids));
      break;
    case 'COPYUID':
      w.sp().number(code.uidValidity).sp().ascii(formatSequenceSet(code.sourceUids, true)).sp().ascii(formatSequenceSet(code.destinationUids, true));
      break;
    case 'MODIFIED':
      w.sp().ascii(formatSequenceSet(code.numbers));
      break;
    case 'BADCHARSET':
      if (code.charsets.length > 0) {
        w.ascii(' (');
        code.charsets.forEach((c, i) => {
          if (i > 0) w.sp();
          w.astring(c);
        });
        w.byte(0x29);
      }
      break;
    default:
      break;
  }
}

function writeAtomList(w: ResponseWriter, atoms: readonly string[]): void {
  w.byte(0x28);
  atoms.forEach((a, i) => {
    if (i > 0) w.sp();
    w.atom(a);
  });
  w.byte(0x29);
}

/** Mailbox names: UTF-8 under UTF8=ACCEPT, else modified UTF-7; atom when possible. */
function writeMailbox(w: ResponseWriter, name: string): void {
  w.astring(w.options.utf8 ? name : encodeModifiedUtf7(name));
}

function writeNested(w: ResponseWriter, value: NestedValue): void {
  if (Array.isArray(value)) {
    w.byte(0x28);
    for (let i = 0; i < value.length; i++) {
      if (i > 0) w.sp();
      writeNested(w, value[i]!);
    }
    w.byte(0x29);
    return;
  }
  const v = value as Exclude<NestedValue, readonly NestedValue[]>;
  switch (v.type) {
    case 'string':
      w.string(v.value);
      break;
    case 'nil':
      w.ascii('NIL');
      break;
    case 'number':
      w.number(v.value);
      break;
    case 'atom':
      w.atom(v.value);
      break;
  }
}

/** Writes the elements of a list back to back: the grammar's "1*address" and "1*body"
 * have no space between their parenthesised elements. */
function writeRun(w: ResponseWriter, items: readonly NestedValue[], write: (w: ResponseWriter, value: NestedValue) => void): void {
  for (const item of items) write(w, item);
}

/** Fields of an envelope that are address lists: from, sender, reply-to, to, cc, bcc. */
const ENVELOPE_ADDRESS_FIELDS = new Set([2, 3, 4, 5, 6, 7]);
const ENVELOPE_FIELDS = 10;

/** envelope = "(" env-date SP env-subject SP env-from SP ... ")"; each address list is
 * "(" 1*address ")". A value of another shape is written as it is. */
function writeEnvelope(w: ResponseWriter, value: NestedValue): void {
  if (!Array.isArray(value) || value.length !== ENVELOPE_FIELDS) {
    writeNested(w, value);
    return;
  }
  const fields = value as readonly NestedValue[];
  w.byte(0x28);
  fields.forEach((field, i) => {
    if (i > 0) w.sp();
    if (ENVELOPE_ADDRESS_FIELDS.has(i) && Array.isArray(field)) {
      w.byte(0x28);
      writeRun(w, field as readonly NestedValue[], writeNested);
      w.byte(0x29);
    } else {
      writeNested(w, field);
    }
  });
  w.byte(0x29);
}

/** Index of the envelope and of the body in a message/rfc822 body-type-msg. */
const MESSAGE_ENVELOPE_INDEX = 7;
const MESSAGE_BODY_INDEX = 8;

/** body = body-type-1part / body-type-mpart, where body-type-mpart = 1*body SP
 * media-subtype [...]: the parts of a multipart (the leading lists) are written back to
 * back, and an encapsulated message's envelope and body follow their own grammar. */
function writeBody(w: ResponseWriter, value: NestedValue): void {
  if (!Array.isArray(value) || value.length === 0) {
    writeNested(w, value);
    return;
  }
  const items = value as readonly NestedValue[];
  w.byte(0x28);
  if (Array.isArray(items[0])) {
    let parts = 0;
    while (parts < items.length && Array.isArray(items[parts])) parts++;
    writeRun(w, items.slice(0, parts), writeBody);
    for (const item of items.slice(parts)) {
      w.sp();
      writeNested(w, item);
    }
  } else {
    const isMessage = isText(items[0], 'message') && isText(items[1], 'rfc822');
    items.forEach((item, i) => {
      if (i > 0) w.sp();
      if (isMessage && i === MESSAGE_ENVELOPE_INDEX) writeEnvelope(w, item);
      else if (isMessage && i === MESSAGE_BODY_INDEX) writeBody(w, item);
      else writeNested(w, item);
    });
  }
  w.byte(0x29);
}

function isText(value: NestedValue | undefined, text: string): boolean {
  return (
    value !== undefined &&
    !Array.isArray(value) &&
    (value as { type: string }).type === 'string' &&
    typeof (value as { value: unknown }).value === 'string' &&
    (value as { value: string }).value.toLowerCase() === text
  );
}

function hasNul(bytes: Uint8Array): boolean {
  return bytes.indexOf(0) !== -1;
}

function writeBodyData(w: ResponseWriter, data: BodyData, binary: boolean): void {
  if (data === null) {
    w.ascii('NIL');
  } else if (data instanceof Uint8Array) {
    w.literal(data, binary && hasNul(data));
  } else {
    // The bytes are not known yet; a BINARY body may hold NUL, so it is always literal8.
    w.streamedLiteral(data, binary);
  }
}

function writeFetchItem(w: ResponseWriter, item: FetchItem): void {
  switch (item.item) {
    case 'UID':
      w.ascii('UID ').number(item.uid);
      break;
    case 'FLAGS':
      w.ascii('FLAGS ');
      writeAtomList(w, item.flags);
      break;
    case 'INTERNALDATE':
      w.ascii('INTERNALDATE "')
        .ascii(formatDateTime(item.timestamp, item.offsetMinutes ?? 0))
        .byte(0x22);
      break;
    case 'RFC822.SIZE':
      w.ascii('RFC822.SIZE ').number(item.size);
      break;
    case 'MODSEQ':
      w.ascii('MODSEQ (').number(item.modSeq).byte(0x29);
      break;
    case 'ENVELOPE':
      w.ascii('ENVELOPE ');
      writeEnvelope(w, item.value);
      break;
    case 'BODY':
    case 'BODYSTRUCTURE':
      w.ascii(item.item).sp();
      writeBody(w, item.value);
      break;
    case 'BODY[]':
      w.ascii('BODY[').ascii(formatBodySection(item.section)).byte(0x5d);
      if (item.origin !== undefined) w.byte(0x3c).number(item.origin).byte(0x3e);
      w.sp();
      writeBodyData(w, item.data, false);
      break;
    case 'BINARY[]':
      w.ascii('BINARY[').ascii(item.part.join('.')).byte(0x5d);
      if (item.origin !== undefined) w.byte(0x3c).number(item.origin).byte(0x3e);
      w.sp();
      writeBodyData(w, item.data, true);
      break;
    case 'BINARY.SIZE':
      w.ascii('BINARY.SIZE[').ascii(item.part.join('.')).ascii('] ').number(item.size);
      break;
    case 'RFC822':
    case 'RFC822.HEADER':
    case 'RFC822.TEXT':
      w.ascii(item.item).sp();
      writeBodyData(w, item.data, false);
      break;
  }
}

function writeEsearch(w: ResponseWriter, r: Extract<Response, { type: 'esearch' }>): void {
  w.ascii('* ESEARCH (TAG ').string(r.tag).byte(0x29);
  if (r.uid) w.ascii(' UID');
  if (r.min !== undefined) w.ascii(' MIN ').number(r.min);
  if (r.max !== undefined) w.ascii(' MAX ').number(r.max);
  // RFC 4731 3.1: ALL is omitted when nothing matched.
  if (r.all !== undefined && r.all.length > 0) w.ascii(' ALL ').ascii(formatSequenceSet(r.all));
  if (r.count !== undefined) w.ascii(' COUNT ').number(r.count);
  if (r.modSeq !== undefined) w.ascii(' MODSEQ ').number(r.modSeq);
}

/** One thread in parentheses: a chain of single children is written flat, branches as
 * parenthesised sub-threads (RFC 5256 section 4). Chains are walked, not recursed, so a
 * long conversation cannot exhaust the stack. */
function writeThread(w: ResponseWriter, root: ThreadNode): void {
  w.byte(0x28);
  let node: ThreadNode = root;
  let first = true;
  for (;;) {
    if (node.id !== null) {
      if (!first) w.sp();
      w.number(node.id);
      first = false;
    }
    if (node.children.length === 1) {
      node = node.children[0]!;
      continue;
    }
    if (node.children.length > 1) {
      if (!first) w.sp();
      for (const child of node.children) writeThread(w, child);
    }
    break;
  }
  w.byte(0x29);
}

function writeList(w: ResponseWriter, r: Extract<Response, { type: 'list' | 'lsub' }>): void {
  w.ascii(r.type === 'list' ? '* LIST ' : '* LSUB ');
  writeAtomList(w, r.attributes);
  w.sp();
  if (r.delimiter === null) w.ascii('NIL');
  else w.string(r.delimiter);
  w.sp();
  writeMailbox(w, r.mailbox);
  const extended = r.childInfo !== undefined || r.oldName !== undefined;
  if (!extended) return;
  w.ascii(' (');
  let first = true;
  if (r.childInfo !== undefined) {
    w.ascii('"CHILDINFO" (');
    r.childInfo.forEach((c, i) => {
      if (i > 0) w.sp();
      w.string(c);
    });
    w.byte(0x29);
    first = false;
  }
  if (r.oldName !== undefined) {
    if (!first) w.sp();
    w.ascii('"OLDNAME" (');
    writeMailbox(w, r.oldName);
    w.byte(0x29);
  }
  w.byte(0x29);
}

function writeStatusValues(w: ResponseWriter, values: StatusValues): void {
  let first = true;
  for (const item of STATUS_ORDER) {
    const value = values[item];
    if (value === undefined) continue;
    if (!first) w.sp();
    first = false;
    w.ascii(item).sp();
    if (value === null) w.ascii('NIL');
    else w.number(value);
  }
}

function writeNamespaces(w: ResponseWriter, namespaces: readonly Namespace[] | null): void {
  if (namespaces === null || namespaces.length === 0) {
    w.ascii('NIL');
    return;
  }
  w.byte(0x28);
  for (const ns of namespaces) {
    w.byte(0x28);
    writeMailbox(w, ns.prefix);
    w.sp();
    if (ns.delimiter === null) w.ascii('NIL');
    else w.string(ns.delimiter);
    w.byte(0x29);
  }
  w.byte(0x29);
}
