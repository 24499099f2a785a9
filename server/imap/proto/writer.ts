// Low-level output for the response serialiser: a growable byte buffer with writers for
// the IMAP string forms. It decides between atom, quoted string, literal and literal8 so
// that no handler ever has to, and hands large payloads through as their own chunks
// instead of copying them.

import * as chars from './chars.ts';
import { ProtoError } from './errors.ts';

// Local copies: under the tsx/esbuild transform every read of an imported binding is a
// getter call, which showed up as the largest cost in the receive path's profile.
const { ASTRING_CHAR, allCharsIn, decodeUtf8, utf8Encoder } = chars;

/** A body too large to hold, sent as a literal of `size` bytes read from `stream`. */
export interface StreamedPayload {
  readonly size: number;
  readonly stream: AsyncIterable<Uint8Array>;
}

export type ResponseChunk = Uint8Array | StreamedPayload;

/** Above this a string goes out as a literal: RFC 2683 3.2.1.5 advises keeping lines near
 * 1000 octets, and some clients cap the line they buffer. */
const MAX_QUOTED_LENGTH = 1000;
/** A few escaped quotes or backslashes are fine; more read better as a literal. */
const MAX_QUOTED_ESCAPES = 8;
/** Payloads from this size are passed through as their own chunk, not copied. */
const PASS_THROUGH_SIZE = 4096;
/** One scratch buffer for all writers: serialisation is synchronous, so it is never shared
 * by two responses at once, and each chunk is copied out at its exact size. Allocating a
 * buffer per response cost more than writing the response. */
const SCRATCH_SIZE = 64 * 1024;
const scratch = new Uint8Array(SCRATCH_SIZE);

/** Small chunks are copied out into slices of a shared pool, as Node's Buffer pool does:
 * a view on an existing buffer is several times cheaper than a new one. A chunk above an
 * eighth of the pool gets its own buffer so that one response never pins much memory. */
const POOL_SIZE = 64 * 1024;
const POOLED_MAX = POOL_SIZE / 8;
let pool = new Uint8Array(POOL_SIZE);
let poolOffset = 0;

function copyOut(source: Uint8Array, length: number): Uint8Array {
  if (length > POOLED_MAX) return source.slice(0, length);
  if (poolOffset + length > POOL_SIZE) {
    pool = new Uint8Array(POOL_SIZE);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + length);
  out.set(source.subarray(0, length));
  poolOffset += length;
  return out;
}

const CRLF = [0x0d, 0x0a] as const;

export interface WriterOptions {
  /** UTF8=ACCEPT enabled: quoted strings may carry UTF-8 (RFC 6855 section 3). */
  readonly utf8: boolean;
}

export class ResponseWriter {
  private readonly buffer = scratch;
  private length = 0;
  private readonly chunks: ResponseChunk[] = [];
  readonly options: WriterOptions;

  constructor(options: WriterOptions) {
    this.options = options;
  }

  /** Room for n more bytes (n is always far below the scratch size: larger payloads are
   * passed through by raw()). */
  private reserve(n: number): void {
    if (this.length + n > SCRATCH_SIZE) this.flush();
  }

  byte(c: number): this {
    this.reserve(1);
    this.buffer[this.length++] = c;
    return this;
  }

  /** Text already known to be printable ASCII (keywords, numbers, validated atoms). */
  ascii(text: string): this {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.length++] = text.charCodeAt(i);
    return this;
  }

  /** Human-readable text, already free of CR/LF: UTF-8 encoded when not ASCII. */
  text(text: string): this {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= 0x80) return this.raw(utf8Encoder.encode(text));
    }
    return this.ascii(text);
  }

  sp(): this {
    return this.byte(0x20);
  }

  crlf(): this {
    this.reserve(2);
    this.buffer[this.length++] = CRLF[0];
    this.buffer[this.length++] = CRLF[1];
    return this;
  }

  number(value: number | bigint): this {
    if (typeof value === 'number' && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new ProtoError('INVALID_RESPONSE', 'A number in a response must be a non-negative integer');
    }
    if (typeof value === 'bigint' && value < 0n) throw new ProtoError('INVALID_RESPONSE', 'Negative number in a response');
    return this.ascii(String(value));
  }

  raw(bytes: Uint8Array): this {
    if (bytes.length >= PASS_THROUGH_SIZE) {
      this.flush();
      this.chunks.push(bytes);
      return this;
    }
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** An atom the server chose (flag, capability, keyword): checked, never quoted. */
  atom(text: string): this {
    if (!isResponseAtom(text)) throw new ProtoError('INVALID_RESPONSE', 'Invalid atom in a response');
    return this.ascii(text);
  }

  /** A literal header and its bytes; literal8 (~{n}) only when asked for. */
  literal(bytes: Uint8Array, literal8 = false): this {
    if (literal8) this.byte(0x7e);
    this.byte(0x7b).number(bytes.length).byte(0x7d).crlf();
    return this.raw(bytes);
  }

  /** A literal whose bytes the session streams; the serialised chunks carry it as is. */
  streamedLiteral(payload: StreamedPayload, literal8: boolean): this {
    if (literal8) this.byte(0x7e);
    this.byte(0x7b).number(payload.size).byte(0x7d).crlf();
    this.flush();
    this.chunks.push(payload);
    return this;
  }

  /** string: quoted when it is short, on one line and 7-bit (or UTF-8 under UTF8=ACCEPT),
   * else a literal. */
  string(value: string | Uint8Array): this {
    if (typeof value === 'string') {
      if (this.quotable(value)) return this.quoted(value);
      return this.literal(utf8Encoder.encode(value));
    }
    if (value.length <= MAX_QUOTED_LENGTH) {
      let plain = true;
      for (let i = 0; i < value.length; i++) {
        const c = value[i]!;
        if (c < 0x20 || c === 0x7f || (c >= 0x80 && !this.options.utf8)) {
          plain = false;
          break;
        }
      }
      if (plain) {
        const text = decodeUtf8(value);
        if (text !== undefined && this.quotable(text)) return this.quoted(text);
      }
    }
    return this.literal(value);
  }

  /** nstring: NIL for null. */
  nstring(value: string | Uint8Array | null): this {
    return value === null ? this.ascii('NIL') : this.string(value);
  }

  /** astring: a bare atom when that is unambiguous, else a string. */
  astring(value: string): this {
    if (allCharsIn(value, ASTRING_CHAR) && value.toUpperCase() !== 'NIL') return this.ascii(value);
    return this.string(value);
  }

  private quotable(text: string): boolean {
    if (text.length > MAX_QUOTED_LENGTH) return false;
    let escapes = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === 0x7f) return false;
      if (c >= 0x80 && !this.options.utf8) return false;
      if (c === 0x22 || c === 0x5c) escapes++;
    }
    return escapes <= MAX_QUOTED_ESCAPES;
  }

  private quoted(text: string): this {
    this.byte(0x22);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22 || c === 0x5c) {
        this.byte(0x5c).byte(c);
      } else if (c < 0x80) {
        this.byte(c);
      } else {
        let j = i + 1;
        while (j < text.length && text.charCodeAt(j) >= 0x80) j++;
        const encoded = utf8Encoder.encode(text.slice(i, j));
        this.reserve(encoded.length);
        this.buffer.set(encoded, this.length);
        this.length += encoded.length;
        i = j - 1;
      }
    }
    return this.byte(0x22);
  }

  private flush(): void {
    if (this.length === 0) return;
    this.chunks.push(copyOut(this.buffer, this.length));
    this.length = 0;
  }

  /** The serialised response; the writer must not be used afterwards. */
  finish(): ResponseChunk[] {
    this.flush();
    return this.chunks;
  }
}

/** Atoms a server writes: printable ASCII without atom-specials, except that flags start
 * with "\" and PERMANENTFLAGS may hold "\*". */
function isResponseAtom(text: string): boolean {
  if (text === '\\*') return true;
  const body = text.charCodeAt(0) === 0x5c ? text.slice(1) : text;
  if (body.length === 0) return false;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x28 || c === 0x29 || c === 0x7b || c === 0x25 || c === 0x2a || c === 0x22 || c === 0x5c || c === 0x5d) {
      return false;
    }
  }
  return true;
}
