// The incremental receiver: bytes in (feed), events out (next). It frames commands
// (lines, literals), enforces size limits, streams APPEND messages without buffering them,
// and resynchronises after bad input. It does no I/O and keeps no session state beyond
// what framing needs; the session decides everything else.
//
// SECURITY: everything fed here is untrusted client input. Memory is bounded by the limits
// (one line, one argument literal, one command), never by what a client announces: an
// APPEND message passes through in the pieces it arrived in, and a refused literal is
// counted and dropped. Errors never contain client bytes.
//
// Driving it (the session layer):
//   receiver.feed(bytes)                      // each chunk read from the socket
//   for (let ev = receiver.next(); ev; ev = receiver.next()) handle(ev)
// Handle each event fully before pulling the next: mode changes (IDLE, AUTHENTICATE,
// ENABLE UTF8=ACCEPT, STARTTLS, COMPRESS) apply to the bytes after the command.
//   'command'              run it (check request state with spec.states first)
//   'literal-continuation' send "+ Ready for literal" now; the receiver goes on reading it
//   'append-begin'         decide: send "+ Ready" if synchronising and call acceptLiteral(),
//                          or send the tagged NO/BAD and call refuseLiteral(). Until then
//                          next() returns undefined (pause reading the socket meanwhile)
//   'append-chunk'         message bytes, in order; views into the fed buffers (no copy)
//   'append-complete'      the command ended correctly: store the message, then answer
//   'idle-done'            after expectIdleDone(tag): the client sent DONE
//   'auth-response'/'auth-cancel'  after expectAuthenticationResponse(tag)
//   'error'                reply with responseForError(ev.error) (response.ts); if an APPEND
//                          was streaming, drop what was received; an error in IDLE or
//                          AUTHENTICATE ends that exchange (answer its tag with BAD). The receiver has already
//                          resynchronised: it skips the rest of the bad command (including
//                          the bytes of a non-synchronising literal, and any literal that
//                          follows it), and since no continuation is sent for a refused
//                          synchronising literal, a conforming client sends no bytes for it.

import type { ParseContext } from './args.ts';
import { decodeBase64 } from './base64.ts';
import * as chars from './chars.ts';
import { parseAppendHead, type AppendHead, type AppendRequest } from './commands/append.ts';
import { parseCommand, type Request } from './commands/index.ts';
import type { CommandSpec } from './commands/spec.ts';
import { ProtoError } from './errors.ts';
import { CommandTokenizer, isValidTag, trailingAnnouncement, type LiteralAnnouncement } from './tokenizer.ts';

// Local copies: under the tsx/esbuild transform every read of an imported binding is a
// getter call, which showed up as the largest cost in the receive path's profile.
const { LF, asciiString } = chars;

export interface ReceiverLimits {
  /** One line (a command, or the part of it between two literals), CRLF included. Dovecot's
   * imap_max_line_length default; a legitimate FETCH/UID set fits easily. */
  readonly maxLineLength: number;
  /** A literal inside any command but APPEND (LOGIN {n}, SEARCH strings). */
  readonly maxLiteralSize: number;
  /** The message literal of APPEND; the session applies the exact APPENDLIMIT. */
  readonly maxAppendSize: number;
  /** All lines and literals of one command except an APPEND message. */
  readonly maxCommandSize: number;
  /** Parenthesis nesting (BODYSTRUCTURE-like bombs in SEARCH, LIST...). */
  readonly maxDepth: number;
  /** Largest non-synchronising literal: 4096 for LITERAL- (RFC 7888), else no
   * extra limit beyond the ones above (LITERAL+). */
  readonly maxNonSynchronisingLiteral: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;

export const DEFAULT_LIMITS: ReceiverLimits = {
  maxLineLength: 64 * KIB,
  maxLiteralSize: 64 * KIB,
  // The 20 MB message limit (docs/design.md, Defaults) plus 1 MiB so that the session's exact
  // check, with its NO [TOOBIG] naming the limit, decides on messages near the limit.
  maxAppendSize: 21 * MIB,
  // A few full lines and literals: enough for any real LOGIN/SEARCH/LIST, bounded per client.
  maxCommandSize: 256 * KIB,
  // Real clients nest a handful of levels; 64 is Dovecot's and imap-core's order of magnitude.
  maxDepth: 64,
  maxNonSynchronisingLiteral: Number.POSITIVE_INFINITY,
};

/** RFC 7888: LITERAL- allows non-synchronising literals up to 4096 bytes. */
export const LITERAL_MINUS_LIMIT = 4096;

type AnySpec = CommandSpec<Request>;

export type ReceiverEvent =
  | { readonly kind: 'command'; readonly tag: string; readonly spec: AnySpec; readonly request: Request }
  | { readonly kind: 'literal-continuation'; readonly tag: string; readonly size: number }
  | {
      readonly kind: 'append-begin';
      readonly tag: string;
      readonly head: AppendHead;
      readonly size: number;
      readonly binary: boolean;
      readonly synchronising: boolean;
    }
  | { readonly kind: 'append-chunk'; readonly tag: string; readonly bytes: Uint8Array }
  | { readonly kind: 'append-complete'; readonly tag: string; readonly spec: AnySpec; readonly request: AppendRequest }
  | { readonly kind: 'idle-done'; readonly tag: string }
  | { readonly kind: 'auth-response'; readonly tag: string; readonly data: Uint8Array }
  | { readonly kind: 'auth-cancel'; readonly tag: string }
  | { readonly kind: 'error'; readonly error: ProtoError };

type Mode = 'command' | 'literal' | 'append-decision' | 'append-stream' | 'skip-literal' | 'skip-line' | 'idle' | 'authenticate';

/** Bytes kept from the end of a line being skipped: enough for "~{" + 15 digits + "+}". */
const TAIL_WINDOW = 20;

const EMPTY = new Uint8Array(0);

export class Receiver {
  private limits: ReceiverLimits;
  private ctx: ParseContext;
  private readonly tokenizer: CommandTokenizer;

  /** Fed chunks not yet consumed; the first is consumed from `offset`. */
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;
  private queuedBytes = 0;
  /** A line not yet complete, as views of the chunks it spans. */
  private readonly partial: Uint8Array[] = [];
  private partialLength = 0;

  private mode: Mode = 'command';
  /** Tag of the command being read, or of the IDLE/AUTHENTICATE in progress. */
  private tag: string | undefined;
  private commandBytes = 0;
  private literal: Uint8Array = EMPTY;
  private literalFilled = 0;
  private literalBinary = false;
  /** Bytes still to stream (append-stream) or to drop (skip-literal). */
  private remaining = 0;
  private pendingAppend: LiteralAnnouncement | undefined;
  private pendingAppendSize = 0;
  private appendStreamed = false;
  private overlongEnd: Uint8Array | null = null;
  private readonly tail = new Uint8Array(TAIL_WINDOW);
  private tailLength = 0;

  constructor(limits: Partial<ReceiverLimits> = {}, options: { utf8Accept?: boolean } = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.ctx = { utf8Accept: options.utf8Accept ?? false };
    this.tokenizer = new CommandTokenizer(this.limits.maxDepth);
  }

  /** Queues received bytes. The receiver keeps views of them: do not reuse the buffer. */
  feed(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.queuedBytes += bytes.length;
  }

  /** Bytes held: queued input, a partial line and a literal being assembled. */
  get bufferedBytes(): number {
    return this.queuedBytes - this.offset + this.partialLength + this.literal.length;
  }

  /** Changes the non-synchronising literal limit from the next literal on: LITERAL- (4096)
   * before authentication, unlimited LITERAL+ after it. */
  setMaxNonSynchronisingLiteral(size: number): void {
    this.limits = { ...this.limits, maxNonSynchronisingLiteral: size };
  }

  /** After ENABLE UTF8=ACCEPT: mailbox names are UTF-8 from the next command on. */
  setUtf8Accept(enabled: boolean): void {
    this.ctx = { utf8Accept: enabled };
  }

  /** After "+ idling": the next line must be DONE. */
  expectIdleDone(tag: string): void {
    this.enterLineMode('idle', tag);
  }

  /** After sending a SASL challenge: the next line is the client's base64 response or "*". */
  expectAuthenticationResponse(tag: string): void {
    this.enterLineMode('authenticate', tag);
  }

  /** After 'append-begin' (and "+ Ready" for a synchronising literal): stream the message. */
  acceptLiteral(): void {
    const pending = this.takePendingAppend();
    this.mode = 'append-stream';
    this.remaining = pending.size;
  }

  /** After 'append-begin' and a NO/BAD reply: drop the message and the rest of the command. */
  refuseLiteral(): void {
    const pending = this.takePendingAppend();
    this.resetCommand();
    this.skipAfter(pending);
  }

  /**
   * Removes and returns every byte not yet consumed: after STARTTLS they must be discarded
   * (they were sent before the handshake), after COMPRESS they must be inflated first.
   */
  takeBuffered(): Uint8Array {
    const parts = [...this.partial];
    if (this.chunks.length > 0) {
      parts.push(this.chunks[0]!.subarray(this.offset), ...this.chunks.slice(1));
    }
    this.partial.length = 0;
    this.partialLength = 0;
    this.chunks.length = 0;
    this.offset = 0;
    this.queuedBytes = 0;
    return concat(
      parts,
      parts.reduce((n, p) => n + p.length, 0),
    );
  }

  /** The next event, or undefined when more input (or a decision on an APPEND) is needed. */
  next(): ReceiverEvent | undefined {
    for (;;) {
      switch (this.mode) {
        case 'command':
        case 'idle':
        case 'authenticate': {
          const line = this.readLine();
          if (line === undefined) return undefined;
          const event = line === null ? this.lineTooLong() : this.onLine(line);
          if (event !== undefined) return event;
          break;
        }
        case 'literal':
          if (!this.fillLiteral()) return undefined;
          {
            const event = this.onLiteralComplete();
            if (event !== undefined) return event;
          }
          break;
        case 'append-stream': {
          if (this.remaining === 0) {
            this.tokenizer.pushLiteral({ kind: 'streamed', size: this.pendingAppendSize, binary: this.literalBinary });
            this.appendStreamed = true;
            this.mode = 'command';
            break;
          }
          const bytes = this.take(this.remaining);
          if (bytes === undefined) return undefined;
          this.remaining -= bytes.length;
          return { kind: 'append-chunk', tag: this.tag!, bytes };
        }
        case 'append-decision':
          return undefined;
        case 'skip-literal':
          while (this.remaining > 0) {
            const bytes = this.take(this.remaining);
            if (bytes === undefined) return undefined;
            this.remaining -= bytes.length;
          }
          this.mode = 'skip-line';
          this.tailLength = 0;
          break;
        case 'skip-line':
          if (!this.skipLine()) return undefined;
          break;
      }
    }
  }

  private takePendingAppend(): LiteralAnnouncement {
    const pending = this.pendingAppend;
    if (this.mode !== 'append-decision' || pending === undefined) {
      throw new Error('No APPEND literal is waiting for a decision');
    }
    this.pendingAppend = undefined;
    return pending;
  }

  private enterLineMode(mode: 'idle' | 'authenticate', tag: string): void {
    if (this.mode !== 'command' || this.tokenizer.args.length > 0) {
      throw new Error('The receiver is in the middle of a command');
    }
    this.mode = mode;
    this.tag = tag;
  }

  // ---- framing -------------------------------------------------------------------------

  /** The next complete line without CRLF; undefined if incomplete, null if too long (then
   * `partial` holds what was read and `overlongEnd` the end of the line if it was reached). */
  private readLine(): Uint8Array | null | undefined {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const start = this.offset;
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) {
        this.partial.push(start === 0 ? chunk : chunk.subarray(start));
        this.partialLength += chunk.length - start;
        this.dropChunk();
        if (this.partialLength > this.limits.maxLineLength) return null;
        continue;
      }
      this.offset = lf + 1;
      if (this.offset === chunk.length) this.dropChunk();
      const length = this.partialLength + (lf - start);
      if (length > this.limits.maxLineLength) {
        this.overlongEnd = chunk.subarray(start, lf);
        return null;
      }
      let line: Uint8Array;
      if (this.partial.length === 0) {
        line = chunk.subarray(start, lf);
      } else {
        this.partial.push(chunk.subarray(start, lf));
        line = concat(this.partial, length);
        this.partial.length = 0;
        this.partialLength = 0;
      }
      return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
    }
    return undefined;
  }

  /** Up to `max` bytes as a view of the front chunk, or undefined when nothing is queued. */
  private take(max: number): Uint8Array | undefined {
    const chunk = this.chunks[0];
    if (chunk === undefined) return undefined;
    const available = chunk.length - this.offset;
    if (available <= max) {
      const bytes = this.offset === 0 ? chunk : chunk.subarray(this.offset);
      this.dropChunk();
      return bytes;
    }
    const bytes = chunk.subarray(this.offset, this.offset + max);
    this.offset += max;
    return bytes;
  }

  private dropChunk(): void {
    this.queuedBytes -= this.chunks.shift()!.length;
    this.offset = 0;
  }

  private fillLiteral(): boolean {
    while (this.literalFilled < this.literal.length) {
      const bytes = this.take(this.literal.length - this.literalFilled);
      if (bytes === undefined) return false;
      this.literal.set(bytes, this.literalFilled);
      this.literalFilled += bytes.length;
    }
    return true;
  }

  /** Skips to the end of the current line; a non-synchronising literal announced at its end
   * is skipped too, since it belongs to the same rejected command. */
  private skipLine(): boolean {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const start = this.offset;
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf;
      this.remember(chunk, start, end);
      if (lf === -1) {
        this.dropChunk();
        continue;
      }
      this.offset = lf + 1;
      if (this.offset === chunk.length) this.dropChunk();
      let tail = this.tail.subarray(0, this.tailLength);
      if (tail.length > 0 && tail[tail.length - 1] === 0x0d) tail = tail.subarray(0, tail.length - 1);
      this.tailLength = 0;
      const announced = trailingAnnouncement(tail);
      if (announced !== null && !announced.synchronising) {
        this.mode = 'skip-literal';
        this.remaining = announced.size;
      } else {
        this.mode = 'command';
      }
      return true;
    }
    return false;
  }

  /** Keeps the last TAIL_WINDOW bytes seen of a skipped line. */
  private remember(chunk: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n >= TAIL_WINDOW) {
      this.tail.set(chunk.subarray(end - TAIL_WINDOW, end));
      this.tailLength = TAIL_WINDOW;
      return;
    }
    const keep = Math.min(this.tailLength, TAIL_WINDOW - n);
    this.tail.copyWithin(0, this.tailLength - keep, this.tailLength);
    this.tail.set(chunk.subarray(start, end), keep);
    this.tailLength = keep + n;
  }

  // ---- commands ------------------------------------------------------------------------

  private onLine(line: Uint8Array): ReceiverEvent | undefined {
    if (this.mode === 'idle') return this.onIdleLine(line);
    if (this.mode === 'authenticate') return this.onAuthenticationLine(line);
    const first = this.tokenizer.args.length === 0 && this.tag === undefined;
    // Blank lines between commands carry nothing; some clients send one after a literal.
    if (first && line.length === 0) return undefined;
    this.commandBytes += line.length + 2;
    if (this.commandBytes > this.limits.maxCommandSize) {
      return this.fail(new ProtoError('COMMAND_TOO_LARGE', 'Command too large'), trailingAnnouncement(line));
    }
    let announced: LiteralAnnouncement | null;
    try {
      announced = this.tokenizer.pushLine(line);
    } catch (error) {
      if (!(error instanceof ProtoError)) throw error;
      return this.fail(error, trailingAnnouncement(line));
    }
    if (first) {
      this.tag = this.tokenizer.tag();
      if (this.tag === undefined) return this.fail(new ProtoError('INVALID_TAG', 'Invalid tag'), announced);
    }
    if (announced === null) return this.completeCommand();
    if (this.isAppendMessage()) return this.beginAppend(announced);
    return this.beginLiteral(announced);
  }

  private completeCommand(): ReceiverEvent {
    const parsed = parseCommand(this.tokenizer.args, this.ctx);
    const tag = this.tag!;
    const streamed = this.appendStreamed;
    if (parsed instanceof ProtoError) return this.fail(parsed, null);
    this.resetCommand();
    if (streamed && parsed.request.name === 'APPEND') {
      return { kind: 'append-complete', tag, spec: parsed.spec, request: parsed.request };
    }
    return { kind: 'command', tag, spec: parsed.spec, request: parsed.request };
  }

  private beginLiteral(announced: LiteralAnnouncement): ReceiverEvent | undefined {
    const error = this.checkLiteral(announced, this.limits.maxLiteralSize);
    if (error !== undefined) return this.fail(error, announced);
    this.commandBytes += announced.size;
    if (this.commandBytes > this.limits.maxCommandSize) {
      return this.fail(new ProtoError('COMMAND_TOO_LARGE', 'Command too large'), announced);
    }
    this.literal = new Uint8Array(announced.size);
    this.literalFilled = 0;
    this.literalBinary = announced.binary;
    this.mode = 'literal';
    if (announced.synchronising) return { kind: 'literal-continuation', tag: this.tag!, size: announced.size };
    return undefined;
  }

  private onLiteralComplete(): ReceiverEvent | undefined {
    const bytes = this.literal;
    this.literal = EMPTY;
    // CHAR8 excludes NUL (RFC 3501 section 9); only literal8 may carry it.
    if (!this.literalBinary && bytes.indexOf(0) !== -1) {
      return this.fail(new ProtoError('SYNTAX', 'NUL in a literal'), 'rest-of-line');
    }
    this.tokenizer.pushLiteral({ kind: 'string', bytes, form: this.literalBinary ? 'literal8' : 'literal' });
    this.mode = 'command';
    return undefined;
  }

  /** APPEND's message literal is the one announced once the mailbox name has been read. */
  private isAppendMessage(): boolean {
    const args = this.tokenizer.args;
    const name = args[1];
    return name !== undefined && name.kind === 'atom' && args.length >= 3 && name.value.toUpperCase() === 'APPEND';
  }

  private beginAppend(announced: LiteralAnnouncement): ReceiverEvent {
    if (this.appendStreamed) {
      return this.fail(new ProtoError('MULTIAPPEND_UNSUPPORTED', 'One message per APPEND'), announced);
    }
    const error = this.checkLiteral(announced, this.limits.maxAppendSize);
    if (error !== undefined) return this.fail(error, announced);
    const args = this.tokenizer.args;
    const last = args[args.length - 1];
    const beforeLast = args[args.length - 2];
    const inUtf8List =
      this.tokenizer.depth === 1 &&
      this.tokenizer.innermost.length === 0 &&
      last?.kind === 'list' &&
      beforeLast?.kind === 'atom' &&
      beforeLast.value.toUpperCase() === 'UTF8';
    if (this.tokenizer.depth > 0 && !inUtf8List) {
      return this.fail(new ProtoError('SYNTAX', 'Unexpected literal in APPEND'), announced);
    }
    const head = parseAppendHead(args.slice(2), this.ctx, inUtf8List, announced.binary);
    if (head instanceof ProtoError) return this.fail(head, announced);
    this.mode = 'append-decision';
    this.pendingAppend = announced;
    this.pendingAppendSize = announced.size;
    this.literalBinary = announced.binary;
    return {
      kind: 'append-begin',
      tag: this.tag!,
      head,
      size: announced.size,
      binary: announced.binary,
      synchronising: announced.synchronising,
    };
  }

  private checkLiteral(announced: LiteralAnnouncement, max: number): ProtoError | undefined {
    if (announced.size > max) return new ProtoError('LITERAL_TOO_LARGE', 'Literal too large');
    if (!announced.synchronising && announced.size > this.limits.maxNonSynchronisingLiteral) {
      return new ProtoError('NON_SYNC_LITERAL_TOO_LARGE', 'Non-synchronising literal too large');
    }
    return undefined;
  }

  private onIdleLine(line: Uint8Array): ReceiverEvent {
    const tag = this.tag!;
    this.mode = 'command';
    this.tag = undefined;
    if (line.length === 4 && asciiString(line, 0, 4).toUpperCase() === 'DONE') return { kind: 'idle-done', tag };
    const error = new ProtoError('IDLE_EXPECTED_DONE', 'Expected DONE');
    error.tag = tag;
    return { kind: 'error', error };
  }

  private onAuthenticationLine(line: Uint8Array): ReceiverEvent {
    const tag = this.tag!;
    this.mode = 'command';
    this.tag = undefined;
    if (line.length === 1 && line[0] === 0x2a) return { kind: 'auth-cancel', tag };
    const data = decodeBase64(line);
    if (data !== undefined) return { kind: 'auth-response', tag, data };
    const error = new ProtoError('INVALID_BASE64', 'Invalid base64 in authentication response');
    error.tag = tag;
    return { kind: 'error', error };
  }

  // ---- errors and resynchronisation ----------------------------------------------------

  /**
   * An overlong line: rejected without being parsed. Its tag is read from its start; its
   * end, if already received, tells whether a non-synchronising literal must be skipped,
   * else the rest of the line is skipped first.
   */
  private lineTooLong(): ReceiverEvent {
    const end = this.overlongEnd;
    const error = new ProtoError('LINE_TOO_LONG', 'Line too long');
    error.tag = this.tag ?? tagAtStart(lineStart(end === null ? this.partial : [...this.partial, end]));
    this.tailLength = 0;
    for (const piece of this.partial) this.remember(piece, 0, piece.length);
    this.partial.length = 0;
    this.partialLength = 0;
    this.overlongEnd = null;
    this.resetCommand();
    if (end === null) {
      this.mode = 'skip-line';
    } else {
      this.remember(end, 0, end.length);
      let tail = this.tail.subarray(0, this.tailLength);
      if (tail.length > 0 && tail[tail.length - 1] === 0x0d) tail = tail.subarray(0, tail.length - 1);
      this.skipAfter(trailingAnnouncement(tail));
    }
    return { kind: 'error', error };
  }

  /**
   * Rejects the current command. `pending` is the literal announced at the end of the line
   * that failed: a non-synchronising one is on its way and is skipped with whatever follows
   * it up to the command's end; a synchronising one will never be sent because no
   * continuation request goes out. 'rest-of-line' means the failure was inside the command
   * and its remaining line must be skipped.
   */
  private fail(error: ProtoError, pending: LiteralAnnouncement | null | 'rest-of-line'): ReceiverEvent {
    error.tag = this.tag ?? this.tokenizer.tag();
    this.resetCommand();
    if (pending === 'rest-of-line') {
      this.mode = 'skip-line';
      this.tailLength = 0;
    } else {
      this.skipAfter(pending);
    }
    return { kind: 'error', error };
  }

  private skipAfter(pending: LiteralAnnouncement | null): void {
    if (pending !== null && !pending.synchronising) {
      this.mode = 'skip-literal';
      this.remaining = pending.size;
    } else {
      this.mode = 'command';
    }
  }

  private resetCommand(): void {
    this.tokenizer.reset();
    this.tag = undefined;
    this.commandBytes = 0;
    this.literal = EMPTY;
    this.literalFilled = 0;
    this.appendStreamed = false;
    this.pendingAppend = undefined;
  }
}

/** Longest tag read from an overlong line; longer tags are not worth a tagged reply. */
const MAX_RECOVERED_TAG = 64;

/** The first bytes of a line held in pieces, enough to find its tag. */
function lineStart(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(MAX_RECOVERED_TAG + 1);
  let o = 0;
  for (const p of pieces) {
    const n = Math.min(p.length, out.length - o);
    out.set(p.subarray(0, n), o);
    o += n;
    if (o === out.length) break;
  }
  return out.subarray(0, o);
}

/** The tag at the start of an overlong line: the bytes before the first space. */
function tagAtStart(bytes: Uint8Array): string | undefined {
  const space = bytes.indexOf(0x20);
  if (space <= 0) return undefined;
  for (let i = 0; i < space; i++) {
    const c = bytes[i]!;
    // Printable ASCII without the bytes that would have ended a bare token.
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x7b) return undefined;
  }
  const tag = asciiString(bytes, 0, space);
  return isValidTag(tag) ? tag : undefined;
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
