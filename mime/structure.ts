// MIME structure analysis: one streaming pass over a raw message that produces the
// MessageSummary (types.ts) kept in the message's encrypted metadata record. It runs at
// ingest, the only moment the server sees the plaintext of arriving mail, so it must
// take any input at all — malformed MIME of every kind, binary garbage, 20 MB in 64 KiB
// pieces — finish in linear time, hold only bounded state, and never throw on content.
//
// TRUST: the input is attacker-controlled. Every buffer is capped (constants below);
// nothing is retained from bodies except the bounded preview capture; no I/O.
//
// Parsing follows Dovecot's message-parser where RFCs leave room: lines end at LF; a
// line is a boundary when it starts with "--" + an active boundary (prefix match, the
// longest boundary wins, so nested multiparts reusing a prefix still work); a boundary
// seen inside a part's header ends that part; the line break before a boundary belongs
// to the boundary; a part without Content-Type is text/plain, or message/rfc822 inside
// multipart/digest; a multipart without a usable boundary has no children.

import type { AddressEntry, AttachmentInfo, DefectCode, Envelope, MailboxAddress, MessageSummary, MimePart, SortKeys } from './types.ts';
import { SUMMARY_VERSION } from './types.ts';
import { addressSpec, isMailbox, parseAddressList, unquoteLocalPart } from './address.ts';
import { extractBaseSubject } from './base-subject.ts';
import { parseMailDate } from './date.ts';
import { concatBytes } from '../shared/bytes.ts';
import { decodeCharset, decodeEncodedWords, decodeTransferEncoding, headerBytesToText } from './decode.ts';
import { htmlToText } from './html-text.ts';
import { parseMessageId, parseMessageIds } from './message-id.ts';
import { paramValue, parseStructuredHeader, removeComments } from './params.ts';
import { isMultipart } from './part-numbering.ts';
import { Buffer } from 'node:buffer';

// The summary types belong to this module's interface: callers import them from here.
export type * from './types.ts';
export { SUMMARY_VERSION } from './types.ts';

/** Containers (multiparts, encapsulated messages) nested deeper than this are kept as
 * opaque leaves: real mail stays far below it, and it bounds the frame stack. */
export const MAX_NESTING_DEPTH = 50;
/** Parts beyond this many are not split out (the rest stays in the last part's body):
 * large digests have a few hundred parts; this bounds the summary's size. */
export const MAX_PARTS = 2000;
/** Header bytes kept per physical line and per field; the rest is counted, not kept.
 * Legitimate fields are far smaller; long To/Cc lists of a few hundred addresses fit. */
export const HEADER_LINE_CAP = 64 * 1024;
export const HEADER_FIELD_CAP = 64 * 1024;
/** Header bytes kept for the whole message, all parts and attached messages together: it
 * bounds the summary (and so the metadata record) whatever the input. A digest of a few
 * hundred messages stays well within it. */
export const RETAINED_HEADER_BUDGET = 1024 * 1024;
/** Mailboxes kept across all envelopes of the message, for the same reason; legitimate
 * recipient lists are far shorter. */
export const MAX_ADDRESSES = 10_000;
/** RFC 2046 allows 70; broken generators go somewhat beyond. Longer ones are unusable. */
export const MAX_BOUNDARY_LENGTH = 200;
/** Decoded characters in the preview shown in the message list. */
export const PREVIEW_CHARS = 256;
/** Encoded body bytes captured per HTML preview candidate: enough to get past the <head>
 * and inline CSS of typical newsletters. */
const HTML_PREVIEW_CAPTURE_CAP = 64 * 1024;
/** Plain text needs far less: 256 characters of up to 4 UTF-8 bytes, tripled by
 * quoted-printable, plus leading blank lines and quoting. Decoding 64 KiB for every
 * delivered message was the largest single cost of ingest. */
const PLAIN_PREVIEW_CAPTURE_CAP = 8 * 1024;

function previewCaptureCap(capture: PreviewCapture): number {
  return capture.isHtml ? HTML_PREVIEW_CAPTURE_CAP : PLAIN_PREVIEW_CAPTURE_CAP;
}
/** "--" + boundary + "--". */
const BOUNDARY_LINE_PREFIX = 2 + MAX_BOUNDARY_LENGTH + 2;
/** Longest field name looked at: the longest we keep is 25 characters, and obsolete
 * syntax allows whitespace before the colon. */
const MAX_FIELD_NAME_LENGTH = 64;
/** Starting size of the line buffer; it grows to HEADER_LINE_CAP only when needed. */
const INITIAL_LINE_BUFFER = 1024;

const LF = 0x0a;
const CR = 0x0d;
const HYPHEN = 0x2d;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

const CONTENT_FIELDS = new Set([
  'content-type',
  'content-transfer-encoding',
  'content-id',
  'content-description',
  'content-disposition',
  'content-language',
  'content-location',
]);
const MESSAGE_FIELDS = new Set(['date', 'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'in-reply-to', 'message-id', 'references']);
const IDENTITY_ENCODINGS = new Set([undefined, '7bit', '8bit', 'binary']);
// biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 2045 token excludes CTLs.
const MIME_TOKEN = /^[^\x00-\x20()<>@,;:\\"/[\]?=\x7f-\uffff]+$/;

export interface MessageAnalyzer {
  /** Feeds the next piece of the message; pieces may be of any size, including 1 byte. */
  push(chunk: Uint8Array): void;
  /** Ends the input and returns the summary; later calls return the same summary. */
  finish(): MessageSummary;
}

export function createMessageAnalyzer(): MessageAnalyzer {
  const analyzer = new StreamingAnalyzer();
  return {
    push: (chunk) => analyzer.push(chunk),
    finish: () => analyzer.finish(),
  };
}

export function analyzeMessage(raw: Uint8Array): MessageSummary {
  const analyzer = new StreamingAnalyzer();
  analyzer.push(raw);
  return analyzer.finish();
}

/** Thrown only for misuse by the caller, never because of message content. */
export class MimeAnalyzerError extends Error {
  readonly code = 'MIME_ANALYZER_FINISHED';

  constructor(message: string) {
    super(message);
    this.name = 'MimeAnalyzerError';
  }
}

interface PendingField {
  name: string;
  chunks: Uint8Array[];
  length: number;
}

interface PreviewCapture {
  messageDepth: number;
  isHtml: boolean;
  charset: string | null;
  encoding: string | undefined;
  chunks: Uint8Array[];
  length: number;
}

/** A part still open while streaming. */
interface Frame {
  part: MimePart;
  /** Top-level message or the root of an encapsulated one: collects envelope fields. */
  isMessageRoot: boolean;
  /** For an encapsulated message root, the message/rfc822 part that holds it. */
  owner: MimePart | null;
  /** Parent is multipart/digest: the default type is message/rfc822. */
  inDigest: boolean;
  /** 0 for the top-level message, +1 per encapsulation. */
  messageDepth: number;
  /** Containers (multipart or message) above this part. */
  containerDepth: number;
  inHeaders: boolean;
  fields: Map<string, string>;
  pendingField: PendingField | null;
  lfAtBodyStart: number;
  boundary: Buffer | null;
  boundaryActive: boolean;
  preview: PreviewCapture | null;
}

type LineRole = 'header' | 'body' | 'boundary-candidate' | 'boundary';

interface BoundaryMatch {
  frameIndex: number;
  isClose: boolean;
}

class StreamingAnalyzer {
  private offset = 0;
  private lfCount = 0;
  private readonly stack: Frame[] = [];
  private readonly root: Frame;
  private rootEnvelope: Envelope | null = null;
  private rootReferences: string | null = null;
  private readonly defects = new Set<DefectCode>();
  private partCount = 1;
  private headerBudget = RETAINED_HEADER_BUDGET;
  private addressBudget = MAX_ADDRESSES;
  private activeBoundaries = 0;
  private boundariesDisabled = false;
  private plainPreview: PreviewCapture | null = null;
  private htmlPreview: PreviewCapture | null = null;
  private summary: MessageSummary | null = null;

  // The line being read.
  private lineStart = 0;
  private lineLength = 0;
  private lineRole: LineRole = 'header';
  private lineCapacity = 0;
  private lineCaptured = 0;
  private lineBuffer = new Uint8Array(INITIAL_LINE_BUFFER);
  /** The line buffer as a Buffer, for native comparisons. */
  private lineView = Buffer.from(this.lineBuffer.buffer, this.lineBuffer.byteOffset, this.lineBuffer.byteLength);
  private lineMatch: BoundaryMatch | null = null;
  private lastByte = -1;
  private byteBeforeLast = -1;
  /** Length of the previous line's line break (0 at the start, 1 for LF, 2 for CRLF). */
  private previousBreakLength = 0;

  constructor() {
    this.root = this.openFrame(newPart(0), { isMessageRoot: true, owner: null, inDigest: false, messageDepth: 0, containerDepth: 0 });
  }

  push(piece: Uint8Array): void {
    if (this.summary) throw new MimeAnalyzerError('push() after finish(): the message analyzer is closed');
    // A plain view: Buffer's own subarray/indexOf are several times slower per call, and
    // a message can have millions of lines.
    const chunk = new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
    let position = 0;
    while (position < chunk.length) {
      const newline = chunk.indexOf(LF, position);
      const end = newline < 0 ? chunk.length : newline + 1;
      this.appendLineBytes(chunk, position, end);
      position = end;
      if (newline >= 0) this.endLine(true);
    }
  }

  finish(): MessageSummary {
    if (this.summary) return this.summary;
    if (this.lineLength > 0) this.endLine(false);
    while (this.stack.length > 0) this.closeFrame(this.stack.pop()!, this.offset, this.lfCount);
    this.summary = this.buildSummary();
    return this.summary;
  }

  // -------------------------------------------------------------------------------------
  // Lines

  private appendLineBytes(chunk: Uint8Array, start: number, end: number): void {
    if (this.lineLength === 0) this.beginLine(chunk[start]!);
    const count = end - start;
    let taken = 0;
    if (this.lineCaptured < this.lineCapacity) {
      taken = Math.min(count, this.lineCapacity - this.lineCaptured);
      this.captureLineBytes(chunk.subarray(start, start + taken));
    }
    if (this.lineRole === 'body') {
      this.capturePreview(chunk, start, end);
    } else if (this.lineRole === 'boundary-candidate' && this.lineCaptured === this.lineCapacity && count > taken) {
      // The prefix is complete and the line goes on: decide now, so body bytes can flow.
      if (!this.decideBoundaryCandidate()) this.capturePreview(chunk, start + taken, end);
    }
    if (count >= 2) {
      this.byteBeforeLast = chunk[end - 2]!;
    } else {
      this.byteBeforeLast = this.lastByte;
    }
    this.lastByte = chunk[end - 1]!;
    this.lineLength += count;
    this.offset += count;
  }

  private beginLine(firstByte: number): void {
    this.lineStart = this.offset;
    this.lineCaptured = 0;
    this.lineMatch = null;
    this.lastByte = -1;
    this.byteBeforeLast = -1;
    if (this.top().inHeaders) {
      this.lineRole = 'header';
      this.lineCapacity = HEADER_LINE_CAP;
    } else if (firstByte === HYPHEN && this.activeBoundaries > 0 && !this.boundariesDisabled) {
      this.lineRole = 'boundary-candidate';
      this.lineCapacity = BOUNDARY_LINE_PREFIX;
    } else {
      this.lineRole = 'body';
      this.lineCapacity = 0;
    }
  }

  private captureLineBytes(bytes: Uint8Array): void {
    const needed = this.lineCaptured + bytes.length;
    if (needed > this.lineBuffer.length) {
      const grown = new Uint8Array(Math.min(HEADER_LINE_CAP, Math.max(needed, this.lineBuffer.length * 2)));
      grown.set(this.lineBuffer.subarray(0, this.lineCaptured));
      this.lineBuffer = grown;
      this.lineView = Buffer.from(grown.buffer, grown.byteOffset, grown.byteLength);
    }
    this.lineBuffer.set(bytes, this.lineCaptured);
    this.lineCaptured = needed;
  }

  /** Settles whether a line starting with '-' is a boundary; returns true when it is.
   * A line that is not has its buffered start passed on as body bytes. */
  private decideBoundaryCandidate(): boolean {
    this.lineMatch = this.matchBoundary();
    if (this.lineMatch) {
      this.lineRole = 'boundary';
      return true;
    }
    this.lineRole = 'body';
    this.capturePreview(this.lineBuffer, 0, this.lineCaptured);
    return false;
  }

  private endLine(hasLineFeed: boolean): void {
    const breakLength = !hasLineFeed ? 0 : this.lineLength >= 2 && this.byteBeforeLast === CR ? 2 : 1;
    const lfBeforeLine = this.lfCount;
    if (hasLineFeed) this.lfCount++;
    if (this.lineRole === 'boundary-candidate') this.decideBoundaryCandidate();
    if (this.lineRole === 'header') {
      this.handleHeaderLine(breakLength, lfBeforeLine);
    } else if (this.lineRole === 'boundary' && this.lineMatch) {
      this.handleBoundary(this.lineMatch, lfBeforeLine);
    }
    this.previousBreakLength = breakLength;
    this.lineLength = 0;
    this.lineCaptured = 0;
  }

  /** The active boundary this line starts with, preferring the longest (Dovecot). */
  private matchBoundary(): BoundaryMatch | null {
    const line = this.lineBuffer;
    const length = this.lineCaptured;
    if (length < 2 || line[0] !== HYPHEN || line[1] !== HYPHEN || this.boundariesDisabled) return null;
    let best: BoundaryMatch | null = null;
    let bestLength = -1;
    for (let index = this.stack.length - 1; index >= 0; index--) {
      const frame = this.stack[index]!;
      const boundary = frame.boundary;
      if (!frame.boundaryActive || !boundary || boundary.length <= bestLength || length - 2 < boundary.length) continue;
      // Native comparison: a hostile message can make every line nearly match 50 long
      // boundaries, and a byte loop in JavaScript then dominates the whole analysis.
      if (this.lineView.compare(boundary, 0, boundary.length, 2, 2 + boundary.length) !== 0) continue;
      const after = 2 + boundary.length;
      best = { frameIndex: index, isClose: length >= after + 2 && line[after] === HYPHEN && line[after + 1] === HYPHEN };
      bestLength = boundary.length;
    }
    return best;
  }

  // -------------------------------------------------------------------------------------
  // Headers

  private handleHeaderLine(breakLength: number, lfBeforeLine: number): void {
    const match = this.activeBoundaries > 0 ? this.matchBoundary() : null;
    if (match) {
      this.handleBoundary(match, lfBeforeLine);
      return;
    }
    const frame = this.top();
    const contentLength = this.lineLength - breakLength;
    if (contentLength === 0) {
      this.endHeaders(frame);
      return;
    }
    if (contentLength > HEADER_LINE_CAP) this.defects.add('HEADER_LINE_TRUNCATED');
    const content = this.lineBuffer.subarray(0, Math.min(this.lineCaptured, contentLength));
    if (content.includes(0)) this.defects.add('NUL_IN_HEADER');
    const first = content[0];
    if (first === SPACE || first === TAB) {
      if (frame.pendingField) this.appendFieldBytes(frame.pendingField, content);
      return;
    }
    this.commitPendingField(frame);
    const colon = content.subarray(0, MAX_FIELD_NAME_LENGTH + 1).indexOf(COLON);
    if (colon <= 0) return;
    const name = asciiLower(content.subarray(0, colon)).replace(/[ \t]+$/, '');
    const wanted = CONTENT_FIELDS.has(name) || (frame.isMessageRoot && MESSAGE_FIELDS.has(name));
    if (!wanted || frame.fields.has(name)) return;
    frame.pendingField = { name, chunks: [], length: 0 };
    this.appendFieldBytes(frame.pendingField, content.subarray(colon + 1));
  }

  private appendFieldBytes(field: PendingField, bytes: Uint8Array): void {
    const room = Math.min(HEADER_FIELD_CAP - field.length, this.headerBudget);
    if (bytes.length > room) {
      this.defects.add(room === this.headerBudget ? 'HEADER_BUDGET_EXHAUSTED' : 'HEADER_FIELD_TRUNCATED');
    }
    const kept = bytes.subarray(0, Math.max(0, Math.min(room, bytes.length)));
    if (kept.length === 0) return;
    field.chunks.push(kept.slice());
    field.length += kept.length;
    this.headerBudget -= kept.length;
  }

  private commitPendingField(frame: Frame): void {
    const field = frame.pendingField;
    if (!field) return;
    frame.pendingField = null;
    frame.fields.set(field.name, headerBytesToText(concatBytes(field.chunks)).replace(/^[ \t]+/, ''));
  }

  private endHeaders(frame: Frame): void {
    frame.part.headerEnd = this.offset;
    this.applyHeaders(frame);
    this.enterBody(frame);
  }

  /** Turns the collected fields into the part's content description (and envelope). */
  private applyHeaders(frame: Frame): void {
    this.commitPendingField(frame);
    frame.inHeaders = false;
    const fields = frame.fields;
    const part = frame.part;
    const contentType = fields.get('content-type');
    let typeSet = false;
    if (contentType !== undefined) {
      const parsed = parseStructuredHeader(contentType);
      const slash = parsed.value.indexOf('/');
      const type = parsed.value.slice(0, slash);
      const subtype = parsed.value.slice(slash + 1);
      if (slash > 0 && MIME_TOKEN.test(type) && MIME_TOKEN.test(subtype)) {
        part.type = type;
        part.subtype = subtype;
        if (parsed.params.length > 0) part.params = parsed.params;
        typeSet = true;
      } else {
        this.defects.add('INVALID_CONTENT_TYPE');
      }
    }
    if (!typeSet) {
      part.type = frame.inDigest ? 'message' : 'text';
      part.subtype = frame.inDigest ? 'rfc822' : 'plain';
    }
    const id = fields.get('content-id')?.trim();
    if (id) part.id = id;
    const description = fields.get('content-description')?.trim();
    if (description) part.description = description;
    const encoding = firstToken(fields.get('content-transfer-encoding'));
    if (encoding && encoding !== '7bit') part.encoding = encoding;
    const disposition = fields.get('content-disposition');
    if (disposition !== undefined) {
      const parsed = parseStructuredHeader(disposition);
      if (MIME_TOKEN.test(parsed.value)) {
        part.disposition = parsed.params.length > 0 ? { type: parsed.value, params: parsed.params } : { type: parsed.value };
      }
    }
    const language = fields.get('content-language');
    if (language !== undefined) {
      const tags = removeComments(language)
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== '');
      if (tags.length > 0) part.language = tags;
    }
    const location = fields.get('content-location')?.trim();
    if (location) part.location = location;

    if (frame.isMessageRoot) {
      const envelope = this.buildEnvelope(fields);
      if (frame.owner) {
        frame.owner.message = { envelope, structure: part };
      } else {
        this.rootEnvelope = envelope;
        this.rootReferences = fields.get('references') ?? null;
      }
    }
  }

  private enterBody(frame: Frame): void {
    frame.lfAtBodyStart = this.lfCount;
    const part = frame.part;
    if (part.type === 'multipart') {
      part.children = [];
      const boundary = paramValue(part.params, 'boundary');
      if (boundary === null || boundary === '' || boundary.length > MAX_BOUNDARY_LENGTH || /[^\x20-\x7e]/.test(boundary)) {
        this.defects.add('MULTIPART_WITHOUT_BOUNDARY');
      } else if (frame.containerDepth >= MAX_NESTING_DEPTH) {
        this.defects.add('NESTING_TOO_DEEP');
      } else {
        part.boundary = boundary;
        frame.boundary = Buffer.from(boundary, 'latin1');
        frame.boundaryActive = true;
        this.activeBoundaries++;
      }
      return;
    }
    if (part.type === 'message' && part.subtype === 'rfc822') {
      if (!IDENTITY_ENCODINGS.has(part.encoding)) {
        this.defects.add('ENCODED_RFC822');
      } else if (frame.containerDepth >= MAX_NESTING_DEPTH) {
        this.defects.add('NESTING_TOO_DEEP');
      } else if (this.partCount >= MAX_PARTS) {
        this.defects.add('TOO_MANY_PARTS');
      } else {
        this.partCount++;
        this.openFrame(newPart(this.offset), {
          isMessageRoot: true,
          owner: part,
          inDigest: false,
          messageDepth: frame.messageDepth + 1,
          containerDepth: frame.containerDepth + 1,
        });
      }
      return;
    }
    frame.preview = this.previewCaptureFor(frame);
  }

  // -------------------------------------------------------------------------------------
  // Boundaries and part lifetimes

  private handleBoundary(match: BoundaryMatch, lfBeforeLine: number): void {
    // The line break before the boundary line belongs to the boundary (RFC 2046 5.1.1) —
    // unless the boundary is the first line of the innermost part's header or body: then
    // that break ended the previous boundary line or the header block, and stays there
    // (Dovecot does the same), so enclosing parts never end before their children.
    const innermost = this.top();
    const contentStart = innermost.inHeaders ? innermost.part.headerStart : innermost.part.headerEnd;
    const breakBelongsToBoundary = this.lineStart > contentStart && this.previousBreakLength > 0;
    const closeAt = breakBelongsToBoundary ? this.lineStart - this.previousBreakLength : this.lineStart;
    const lfBeforeClose = breakBelongsToBoundary ? lfBeforeLine - 1 : lfBeforeLine;
    while (this.stack.length - 1 > match.frameIndex) this.closeFrame(this.stack.pop()!, closeAt, lfBeforeClose);
    const multipart = this.stack[match.frameIndex]!;
    if (match.isClose) {
      multipart.boundaryActive = false;
      this.activeBoundaries--;
      return;
    }
    if (this.partCount >= MAX_PARTS) {
      // From here on the rest of the message stays in this multipart's body.
      this.defects.add('TOO_MANY_PARTS');
      this.boundariesDisabled = true;
      return;
    }
    this.partCount++;
    const child = newPart(this.offset);
    multipart.part.children!.push(child);
    this.openFrame(child, {
      isMessageRoot: false,
      owner: null,
      inDigest: multipart.part.subtype === 'digest',
      messageDepth: multipart.messageDepth,
      containerDepth: multipart.containerDepth + 1,
    });
  }

  private openFrame(part: MimePart, placement: Pick<Frame, 'isMessageRoot' | 'owner' | 'inDigest' | 'messageDepth' | 'containerDepth'>): Frame {
    const frame: Frame = {
      isMessageRoot: placement.isMessageRoot,
      owner: placement.owner,
      inDigest: placement.inDigest,
      messageDepth: placement.messageDepth,
      containerDepth: placement.containerDepth,
      part,
      inHeaders: true,
      fields: new Map(),
      pendingField: null,
      lfAtBodyStart: 0,
      boundary: null,
      boundaryActive: false,
      preview: null,
    };
    this.stack.push(frame);
    return frame;
  }

  /** Ends a part whose content stops at `end` (before any line break that belongs to a
   * boundary); `lfBeforeEnd` counts the LF octets before `end`. */
  private closeFrame(frame: Frame, end: number, lfBeforeEnd: number): void {
    const part = frame.part;
    if (frame.inHeaders) {
      part.headerEnd = Math.max(part.headerStart, end);
      this.applyHeaders(frame);
      if (part.type === 'multipart') part.children = [];
      part.bodyEnd = part.headerEnd;
      part.lines = 0;
    } else {
      part.bodyEnd = Math.max(part.headerEnd, end);
      part.lines = part.bodyEnd > part.headerEnd ? lfBeforeEnd - frame.lfAtBodyStart : 0;
    }
    if (frame.boundaryActive) {
      this.defects.add('MISSING_FINAL_BOUNDARY');
      frame.boundaryActive = false;
      this.activeBoundaries--;
    }
    frame.fields.clear();
    frame.preview = null;
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1] ?? this.root;
  }

  // -------------------------------------------------------------------------------------
  // Preview

  /** Text parts shown in the list preview: the first plain and first HTML part that are
   * not attachments, preferring the outermost message over encapsulated ones. */
  private previewCaptureFor(frame: Frame): PreviewCapture | null {
    const part = frame.part;
    if (part.type !== 'text' || (part.subtype !== 'plain' && part.subtype !== 'html')) return null;
    if (part.disposition?.type === 'attachment') return null;
    const isHtml = part.subtype === 'html';
    const current = isHtml ? this.htmlPreview : this.plainPreview;
    if (current && current.messageDepth <= frame.messageDepth) return null;
    const capture: PreviewCapture = {
      messageDepth: frame.messageDepth,
      isHtml,
      charset: paramValue(part.params, 'charset'),
      encoding: part.encoding,
      chunks: [],
      length: 0,
    };
    if (isHtml) this.htmlPreview = capture;
    else this.plainPreview = capture;
    return capture;
  }

  private capturePreview(bytes: Uint8Array, start: number, end: number): void {
    const capture = this.top().preview;
    if (!capture || capture.length >= previewCaptureCap(capture) || end <= start) return;
    const kept = bytes.slice(start, Math.min(end, start + previewCaptureCap(capture) - capture.length));
    capture.chunks.push(kept);
    capture.length += kept.length;
  }

  private buildPreview(): string {
    const candidates = [this.plainPreview, this.htmlPreview]
      .filter((capture): capture is PreviewCapture => capture !== null)
      .sort((a, b) => a.messageDepth - b.messageDepth);
    for (const capture of candidates) {
      const text = previewText(capture);
      if (text !== '') return text;
    }
    return '';
  }

  // -------------------------------------------------------------------------------------
  // Summary

  private buildEnvelope(fields: ReadonlyMap<string, string>): Envelope {
    const subject = fields.get('subject') ?? null;
    const decodedSubject = subject === null ? subject : decodeEncodedWords(subject);
    const addresses = (name: string): AddressEntry[] => {
      const parsed = parseAddressList(fields.get(name) ?? '', this.addressBudget);
      if (parsed.truncated) this.defects.add('TOO_MANY_ADDRESSES');
      this.addressBudget -= parsed.entries.filter(isMailbox).length;
      return parsed.entries;
    };
    return {
      date: fields.get('date') ?? null,
      subject,
      ...(decodedSubject !== subject && decodedSubject !== null ? { decodedSubject } : {}),
      from: addresses('from'),
      sender: addresses('sender'),
      replyTo: addresses('reply-to'),
      to: addresses('to'),
      cc: addresses('cc'),
      bcc: addresses('bcc'),
      inReplyTo: fields.get('in-reply-to') ?? null,
      messageId: fields.get('message-id') ?? null,
    };
  }

  private buildSummary(): MessageSummary {
    const rootPart = this.root.part;
    const envelope = this.rootEnvelope ?? this.buildEnvelope(new Map());
    const baseSubject = extractBaseSubject(envelope.decodedSubject ?? envelope.subject ?? '');
    const attachments = collectAttachments(rootPart);
    const summary: MessageSummary = {
      v: SUMMARY_VERSION,
      size: this.offset,
      lines: this.lfCount,
      headersEnd: rootPart.headerEnd,
      envelope,
      structure: rootPart,
      sortKeys: buildSortKeys(envelope, baseSubject.base),
      threading: {
        messageId: parseMessageId(envelope.messageId),
        inReplyTo: parseMessageIds(envelope.inReplyTo),
        references: parseMessageIds(this.rootReferences),
        isReplyOrForward: baseSubject.isReplyOrForward,
      },
      preview: this.buildPreview(),
      hasAttachments: attachments.length > 0,
      attachments,
    };
    if (this.defects.size > 0) summary.defects = [...this.defects];
    return summary;
  }
}

function newPart(headerStart: number): MimePart {
  return { type: '', subtype: '', headerStart, headerEnd: headerStart, bodyEnd: headerStart, lines: 0 };
}

/** Field names are ASCII; anything else simply never matches a field we keep. */
function asciiLower(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes).toLowerCase();
}

function firstToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const token = removeComments(value).trim().split(/[\s;]/)[0]?.toLowerCase();
  return token === '' ? undefined : token;
}

function buildSortKeys(envelope: Envelope, baseSubject: string): SortKeys {
  const from = firstMailbox(envelope.from);
  const to = firstMailbox(envelope.to);
  const cc = firstMailbox(envelope.cc);
  return {
    subject: collationKey(baseSubject),
    from: collationKey(from ? unquoteLocalPart(from.mailbox) : ''),
    to: collationKey(to ? unquoteLocalPart(to.mailbox) : ''),
    cc: collationKey(cc ? unquoteLocalPart(cc.mailbox) : ''),
    displayFrom: collationKey(displayName(from)),
    displayTo: collationKey(displayName(to)),
    sentDate: parseMailDate(envelope.date),
  };
}

function firstMailbox(entries: readonly AddressEntry[]): MailboxAddress | null {
  return entries.find(isMailbox) ?? null;
}

/** RFC 5957: the display name, or mailbox@host when there is none. */
function displayName(address: MailboxAddress | null): string {
  if (!address) return '';
  return (address.decodedName ?? address.name ?? '').trim() || addressSpec(address);
}

/** Unicode case mapping after compatibility decomposition (close to RFC 5051
 * i18n;unicode-casemap), so keys compare with plain string ordering. */
function collationKey(text: string): string {
  return text.toUpperCase().normalize('NFKD');
}

/** Leaves that a mail reader lists as attachments. Parts inside an attached message
 * are not listed: the attached message is. */
function collectAttachments(body: MimePart): AttachmentInfo[] {
  const found: AttachmentInfo[] = [];
  const visit = (part: MimePart, path: number[], parent: MimePart | null): void => {
    if (isMultipart(part)) {
      for (const [index, child] of part.children!.entries()) visit(child, [...path, index + 1], part);
    } else if (isAttachment(part, parent)) {
      const info: AttachmentInfo = {
        path,
        filename: attachmentFilename(part),
        type: `${part.type}/${part.subtype}`,
        size: part.bodyEnd - part.headerEnd,
      };
      if (part.encoding) info.encoding = part.encoding;
      found.push(info);
    }
  };
  if (isMultipart(body)) for (const [index, child] of body.children!.entries()) visit(child, [index + 1], body);
  else visit(body, [1], null);
  return found;
}

function isAttachment(part: MimePart, parent: MimePart | null): boolean {
  if (part.disposition?.type === 'attachment') return true;
  if (part.type === 'message' && (part.subtype === 'rfc822' || part.subtype === 'global')) return true;
  // Images referenced from the HTML of a multipart/related are part of the body.
  if (parent?.subtype === 'related' && part.id !== undefined) return false;
  const textual = part.type === 'text' || part.type === 'message';
  if (!textual) return true;
  return attachmentFilename(part) !== null && part.disposition?.type !== 'inline';
}

function attachmentFilename(part: MimePart): string | null {
  return paramValue(part.disposition?.params, 'filename') ?? paramValue(part.params, 'name');
}

/** Control characters, and the zero-width and soft-hyphen characters newsletters use to
 * pad their preheader: none of them is visible text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: controls are among the characters a preview must not show.
// biome-ignore lint/suspicious/noMisleadingCharacterClass: U+034F is listed on its own (it is invisible), not as part of a sequence.
const INVISIBLE_CHARACTERS = /[\u0000-\u0008\u000e-\u001f\u007f\u00ad\u034f\u200b-\u200f\u2060-\u2064\ufeff]/g;

function previewText(capture: PreviewCapture): string {
  const decoded = decodeTransferEncoding(concatBytes(capture.chunks), capture.encoding);
  let text = decodeCharset(decoded, capture.charset);
  if (capture.length >= previewCaptureCap(capture)) text = text.replace(/\uFFFD+$/, '');
  if (capture.isHtml) text = htmlToText(text);
  text = text.replace(INVISIBLE_CHARACTERS, '').replace(/\s+/g, ' ').trim();
  return truncateCodePoints(text, PREVIEW_CHARS);
}

function truncateCodePoints(text: string, limit: number): string {
  let index = 0;
  for (let count = 0; index < text.length && count < limit; count++) {
    index += text.codePointAt(index)! > 0xffff ? 2 : 1;
  }
  return text.slice(0, index);
}
