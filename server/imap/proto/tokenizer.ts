// Turns the lines and literals of one command into a tree of arguments: bare tokens,
// strings (quoted, literal, literal8) and parenthesised lists. It is incremental: the
// receiver pushes each line fragment as it completes, and a fragment that ends with a
// literal announcement ({n}, {n+}, ~{n}) returns that announcement, so the receiver can
// check limits, ask for a continuation and read the literal before the next fragment.
// Like Dovecot's imap-parser, a bare token may carry a bracketed part with spaces
// (`BODY[HEADER.FIELDS (FROM TO)]<0.100>`); the FETCH parser reads that part itself.

import * as chars from './chars.ts';
import { ProtoError, syntaxError } from './errors.ts';

// Local copies: under the tsx/esbuild transform every read of an imported binding is a
// getter call, which showed up as the largest cost in the receive path's profile.
const {
  BACKSLASH,
  BARE_CHAR,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  CLOSE_PAREN,
  DQUOTE,
  OPEN_BRACE,
  OPEN_BRACKET,
  OPEN_PAREN,
  PLUS,
  QUOTED_CHAR,
  SP,
  TILDE,
  asciiString,
} = chars;

export interface AtomArg {
  readonly kind: 'atom';
  /** The token as sent (ASCII); commands compare it case-insensitively where the grammar says so. */
  readonly value: string;
}

export interface StringArg {
  readonly kind: 'string';
  /** The string's bytes, unescaped. A view into received data: never mutated. */
  readonly bytes: Uint8Array;
  readonly form: 'quoted' | 'literal' | 'literal8';
}

export interface ListArg {
  readonly kind: 'list';
  readonly items: Arg[];
}

/** An APPEND message literal that the receiver streamed to the session instead of keeping. */
export interface StreamedLiteralArg {
  readonly kind: 'streamed';
  readonly size: number;
  readonly binary: boolean;
}

export type Arg = AtomArg | StringArg | ListArg | StreamedLiteralArg;

export interface LiteralAnnouncement {
  readonly size: number;
  /** {n}: the client waits for a continuation request before sending the bytes. */
  readonly synchronising: boolean;
  /** ~{n}: literal8 (RFC 3516), may contain NUL. */
  readonly binary: boolean;
}

/** Largest literal size the tokenizer will read as a number; limits are enforced by the
 * receiver, this only keeps the arithmetic exact. */
const MAX_LITERAL_DIGITS = 15;

export class CommandTokenizer {
  /** The top-level arguments of the command read so far. */
  readonly args: Arg[] = [];
  private readonly open: Arg[][] = [];
  private current: Arg[] = this.args;
  private needSeparator = false;
  private readonly maxDepth: number;

  constructor(maxDepth: number) {
    this.maxDepth = maxDepth;
  }

  get depth(): number {
    return this.open.length;
  }

  /** Innermost list still open (or the top level), for APPEND's early look at its head. */
  get innermost(): readonly Arg[] {
    return this.current;
  }

  reset(): void {
    this.args.length = 0;
    this.open.length = 0;
    this.current = this.args;
    this.needSeparator = false;
  }

  /** The tag, once the first token is read and valid. */
  tag(): string | undefined {
    const first = this.args[0];
    return first?.kind === 'atom' && isValidTag(first.value) ? first.value : undefined;
  }

  /**
   * Reads one line fragment (without its CRLF). Returns the literal it announces at its end,
   * or null when the command is complete. Throws ProtoError on malformed input.
   */
  pushLine(line: Uint8Array): LiteralAnnouncement | null {
    const n = line.length;
    let i = 0;
    while (i < n) {
      const c = line[i]!;
      if (c === SP) {
        i++;
        this.needSeparator = false;
        continue;
      }
      if (c === CLOSE_PAREN) {
        const parent = this.open.pop();
        if (parent === undefined) throw syntaxError('Unexpected ")"');
        this.current = parent;
        this.needSeparator = true;
        i++;
        continue;
      }
      if (this.needSeparator) throw syntaxError('Expected a space between arguments');
      if (c === OPEN_PAREN) {
        if (this.open.length >= this.maxDepth) {
          throw new ProtoError('NESTING_TOO_DEEP', `Parentheses nested deeper than ${this.maxDepth}`);
        }
        const list: ListArg = { kind: 'list', items: [] };
        this.current.push(list);
        this.open.push(this.current);
        this.current = list.items;
        i++;
        continue;
      }
      if (c === DQUOTE) {
        i = this.readQuoted(line, i);
      } else if (c === OPEN_BRACE || (c === TILDE && line[i + 1] === OPEN_BRACE)) {
        return readAnnouncement(line, i);
      } else {
        i = this.readBare(line, i);
      }
      this.needSeparator = true;
    }
    if (this.open.length !== 0) throw syntaxError('Missing ")"');
    return null;
  }

  /** Adds the literal announced by the previous fragment. */
  pushLiteral(arg: StringArg | StreamedLiteralArg): void {
    this.current.push(arg);
    this.needSeparator = true;
  }

  private readQuoted(line: Uint8Array, start: number): number {
    const n = line.length;
    let escapes = 0;
    let i = start + 1;
    for (; i < n; i++) {
      const c = line[i]!;
      if (c === DQUOTE) break;
      if (c === BACKSLASH) {
        const next = line[i + 1];
        if (next !== DQUOTE && next !== BACKSLASH) throw syntaxError('Invalid escape in quoted string');
        escapes++;
        i++;
      } else if (QUOTED_CHAR[c] !== 1) {
        throw syntaxError('Invalid character in quoted string');
      }
    }
    if (i >= n) throw syntaxError('Unterminated quoted string');
    let bytes: Uint8Array;
    if (escapes === 0) {
      bytes = line.subarray(start + 1, i);
    } else {
      bytes = new Uint8Array(i - start - 1 - escapes);
      let o = 0;
      for (let j = start + 1; j < i; j++) {
        const c = line[j]!;
        if (c === BACKSLASH) j++;
        bytes[o++] = line[j]!;
      }
    }
    this.current.push({ kind: 'string', bytes, form: 'quoted' });
    return i + 1;
  }

  private readBare(line: Uint8Array, start: number): number {
    const n = line.length;
    let i = start;
    while (i < n) {
      const c = line[i]!;
      if (c === OPEN_BRACKET) {
        i = skipBracket(line, i);
        continue;
      }
      if (BARE_CHAR[c] !== 1) break;
      i++;
    }
    if (i === start || (i < n && line[i] !== SP && line[i] !== CLOSE_PAREN)) {
      const c = line[i]!;
      throw syntaxError(c >= 0x80 ? '8-bit character outside a string' : 'Invalid character in atom');
    }
    this.current.push({ kind: 'atom', value: asciiString(line, start, i) });
    return i;
  }
}

/** Skips `[...]` inside a bare token; the part may hold spaces, parentheses and quoted
 * strings (header-list), so it ends only at a `]` outside quotes. */
function skipBracket(line: Uint8Array, open: number): number {
  const n = line.length;
  let i = open + 1;
  while (i < n) {
    const c = line[i]!;
    if (c === CLOSE_BRACKET) return i + 1;
    if (c === DQUOTE) {
      i++;
      while (i < n && line[i] !== DQUOTE) {
        if (line[i] === BACKSLASH) i++;
        i++;
      }
      if (i >= n) break;
    } else if (c < 0x20 || c >= 0x7f) {
      throw syntaxError(c >= 0x80 ? '8-bit character outside a string' : 'Invalid character in atom');
    }
    i++;
  }
  throw syntaxError('Missing "]"');
}

function readAnnouncement(line: Uint8Array, start: number): LiteralAnnouncement {
  const binary = line[start] === TILDE;
  let i = binary ? start + 2 : start + 1;
  const digitsStart = i;
  let size = 0;
  while (i < line.length && line[i]! >= 0x30 && line[i]! <= 0x39) {
    size = size * 10 + (line[i]! - 0x30);
    i++;
  }
  const digits = i - digitsStart;
  if (digits === 0 || digits > MAX_LITERAL_DIGITS) throw syntaxError('Invalid literal size');
  let synchronising = true;
  if (line[i] === PLUS) {
    synchronising = false;
    i++;
  }
  if (line[i] !== CLOSE_BRACE || i + 1 !== line.length) {
    throw syntaxError('A literal announcement must end the line');
  }
  return { size, synchronising, binary };
}

/** Finds a literal announcement at the end of a raw line, for skipping the literal of a
 * command already rejected (the line may be malformed before it). */
export function trailingAnnouncement(tail: Uint8Array): LiteralAnnouncement | null {
  let i = tail.length - 1;
  if (i < 0 || tail[i] !== CLOSE_BRACE) return null;
  i--;
  let synchronising = true;
  if (tail[i] === PLUS) {
    synchronising = false;
    i--;
  }
  let size = 0;
  let scale = 1;
  let digits = 0;
  while (i >= 0 && tail[i]! >= 0x30 && tail[i]! <= 0x39) {
    size += (tail[i]! - 0x30) * scale;
    scale *= 10;
    digits++;
    i--;
  }
  if (digits === 0 || digits > MAX_LITERAL_DIGITS || i < 0 || tail[i] !== OPEN_BRACE) return null;
  const binary = i > 0 && tail[i - 1] === TILDE;
  return { size, synchronising, binary };
}

/** tag = 1*<any ASTRING-CHAR except "+"> */
export function isValidTag(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Bare tokens are already printable ASCII without ( ) { " SP; the tag also excludes % * \ +.
    if (c === 0x25 || c === 0x2a || c === BACKSLASH || c === PLUS) return false;
  }
  return true;
}
