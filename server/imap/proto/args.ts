// A cursor over a command's argument tree with one reader per grammar production (astring,
// number, mailbox, flag list, ...). Command parsers are written as a sequence of these
// reads; each read throws a ProtoError that names what was expected.

import * as chars from './chars.ts';
import { ProtoError, syntaxError } from './errors.ts';
import { decodeModifiedUtf7 } from './utf7.ts';
import { MAX_NZ_NUMBER, parseSequenceSet, type SequenceSet } from './seqset.ts';
import type { Arg, StringArg } from './tokenizer.ts';

// Local copies: under the tsx/esbuild transform every read of an imported binding is a
// getter call, which showed up as the largest cost in the receive path's profile.
const { ASTRING_CHAR, ATOM_CHAR, LIST_CHAR, allCharsIn, decodeUtf8, isAscii } = chars;

export interface ParseContext {
  /** UTF8=ACCEPT is enabled: mailbox names are UTF-8, not modified UTF-7 (RFC 6855). */
  readonly utf8Accept: boolean;
}

/** mod-sequence-value is at most 2^63 - 1 (RFC 7162 section 7). */
const MAX_MODSEQ = (1n << 63n) - 1n;

/** Flags a client may name; `\Recent` is server-only and `\*` only appears in PERMANENTFLAGS. */
const SYSTEM_FLAGS = new Map(['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map((f) => [f.toUpperCase(), f]));

export class ArgReader {
  private readonly items: readonly Arg[];
  private pos = 0;
  readonly ctx: ParseContext;

  constructor(items: readonly Arg[], ctx: ParseContext) {
    this.items = items;
    this.ctx = ctx;
  }

  atEnd(): boolean {
    return this.pos >= this.items.length;
  }

  peek(): Arg | undefined {
    return this.items[this.pos];
  }

  /** The next argument's text in upper case when it is a bare token, else undefined. */
  peekKeyword(): string | undefined {
    const a = this.items[this.pos];
    return a?.kind === 'atom' ? a.value.toUpperCase() : undefined;
  }

  next(what: string): Arg {
    const a = this.items[this.pos];
    if (a === undefined) throw syntaxError(`Missing ${what}`);
    this.pos++;
    return a;
  }

  /** Fails unless every argument has been read. */
  end(): void {
    if (this.pos < this.items.length) throw syntaxError('Unexpected extra arguments');
  }

  /** A bare token, as sent. */
  atom(what: string): string {
    const a = this.next(what);
    if (a.kind !== 'atom') throw syntaxError(`Expected ${what}`);
    return a.value;
  }

  /** A bare token in upper case (keywords of the grammar are case-insensitive). */
  keyword(what: string): string {
    return this.atom(what).toUpperCase();
  }

  /** Consumes the next argument when it is the given keyword. */
  acceptKeyword(keyword: string): boolean {
    if (this.peekKeyword() === keyword) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** astring as text (UTF-8). */
  astring(what: string): string {
    const a = this.next(what);
    if (a.kind === 'atom') {
      if (!allCharsIn(a.value, ASTRING_CHAR)) throw syntaxError(`Expected ${what}`);
      return a.value;
    }
    return stringText(a, what);
  }

  /** string: quoted or literal only. */
  string(what: string): string {
    return stringText(this.next(what), what);
  }

  /** nstring: NIL or a string. */
  nstring(what: string): string | null {
    const a = this.next(what);
    if (a.kind === 'atom' && a.value.toUpperCase() === 'NIL') return null;
    return stringText(a, what);
  }

  /** number: 32-bit unsigned. */
  number(what: string): number {
    return parseNumber(this.atom(what), what, MAX_NZ_NUMBER);
  }

  /** nz-number: 1 .. 2^32-1. */
  nzNumber(what: string): number {
    const v = this.number(what);
    if (v === 0) throw new ProtoError('INVALID_NUMBER', `${what} must not be zero`);
    return v;
  }

  /** number64 that must fit a JavaScript number exactly (sizes, quota limits). */
  safeNumber(what: string): number {
    return parseNumber(this.atom(what), what, Number.MAX_SAFE_INTEGER);
  }

  /** mod-sequence-value (RFC 7162): 0 .. 2^63-1, kept exact as a bigint. */
  modSequence(what: string): bigint {
    const text = this.atom(what);
    if (!isDigits(text)) throw new ProtoError('INVALID_NUMBER', `Invalid ${what}`);
    const v = BigInt(text);
    if (v > MAX_MODSEQ) throw new ProtoError('INVALID_NUMBER', `${what} out of range`);
    return v;
  }

  /** A parenthesised list, read by a nested reader. */
  list(what: string): ArgReader {
    const a = this.next(what);
    if (a.kind !== 'list') throw syntaxError(`Expected ${what} in parentheses`);
    return new ArgReader(a.items, this.ctx);
  }

  /** A list when the next argument is one, else undefined (nothing consumed). */
  optionalList(what: string): ArgReader | undefined {
    return this.peek()?.kind === 'list' ? this.list(what) : undefined;
  }

  sequenceSet(what: string, allowSaved = true): SequenceSet {
    return parseSequenceSet(this.atom(what), allowSaved);
  }

  /**
   * mailbox: an astring naming a mailbox, decoded to Unicode: modified UTF-7 unless
   * UTF8=ACCEPT is enabled. "INBOX" is case-insensitive (RFC 3501 5.1) and comes back as
   * "INBOX"; other names, including INBOX's children, are case-sensitive.
   */
  mailbox(what = 'mailbox name'): string {
    const name = this.mailboxText(what, false);
    return name.length === 5 && name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
  }

  /** list-mailbox: like mailbox but wildcards (% *) are allowed bare. */
  listPattern(what = 'mailbox pattern'): string {
    return this.mailboxText(what, true);
  }

  private mailboxText(what: string, wildcards: boolean): string {
    const a = this.next(what);
    if (a.kind === 'atom') {
      if (!allCharsIn(a.value, wildcards ? LIST_CHAR : ASTRING_CHAR)) throw syntaxError(`Expected ${what}`);
      return this.ctx.utf8Accept ? a.value : decodeModifiedUtf7(a.value);
    }
    if (a.kind !== 'string') throw syntaxError(`Expected ${what}`);
    const bytes = a.bytes;
    if (this.ctx.utf8Accept) {
      const text = decodeUtf8(bytes);
      if (text === undefined) throw new ProtoError('INVALID_MAILBOX_NAME', 'Mailbox name is not valid UTF-8');
      return text;
    }
    if (!isAscii(bytes)) {
      throw new ProtoError('INVALID_MAILBOX_NAME', 'Mailbox name is not valid modified UTF-7: 8-bit characters');
    }
    return decodeModifiedUtf7(decodeUtf8(bytes)!);
  }

  /** A flag a client may set: a system flag (canonical case) or a keyword atom. */
  flag(what = 'flag'): string {
    const text = this.atom(what);
    if (text.charCodeAt(0) === 0x5c) {
      const system = SYSTEM_FLAGS.get(text.toUpperCase());
      if (system === undefined) throw new ProtoError('INVALID_FLAG', 'Unknown system flag');
      return system;
    }
    return keywordText(text);
  }

  /** A flag-list in parentheses. */
  flagList(what = 'flag list'): string[] {
    const list = this.list(what);
    const flags: string[] = [];
    while (!list.atEnd()) flags.push(list.flag());
    return flags;
  }
}

/** flag-keyword = atom (RFC 3501); `$` keywords like $Forwarded are atoms too. */
export function keywordText(text: string): string {
  if (!allCharsIn(text, ATOM_CHAR)) throw new ProtoError('INVALID_FLAG', 'Invalid keyword');
  return text;
}

function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 20) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

export function parseNumber(text: string, what: string, max: number): number {
  if (!isDigits(text)) throw new ProtoError('INVALID_NUMBER', `Invalid ${what}`);
  let v = 0;
  for (let i = 0; i < text.length; i++) v = v * 10 + (text.charCodeAt(i) - 0x30);
  if (v > max) throw new ProtoError('INVALID_NUMBER', `${what} out of range`);
  return v;
}

/** A string argument's text, strictly UTF-8. */
function stringText(a: Arg, what: string): string {
  if (a.kind !== 'string') throw syntaxError(`Expected ${what} as a string`);
  const text = decodeUtf8((a as StringArg).bytes);
  if (text === undefined) throw new ProtoError('INVALID_STRING', `${what} is not valid UTF-8`);
  return text;
}
