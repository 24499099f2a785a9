// The search program shared by SEARCH, SORT and THREAD (RFC 3501 6.4.4, RFC 7162 3.1.5):
//   search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
// Keys become a typed tree; strings are decoded from the command's CHARSET.
import type { ArgReader } from '../args.ts';
import { keywordText } from '../args.ts';
import { decodeUtf8, isAscii } from '../chars.ts';
import { parseDate, type ImapDate } from '../datetime.ts';
import { ProtoError, syntaxError } from '../errors.ts';
import { parseSequenceSet, type SequenceSet } from '../seqset.ts';

export type SearchKey =
  | { readonly type: 'all' }
  | { readonly type: 'and'; readonly keys: readonly SearchKey[] }
  | { readonly type: 'or'; readonly left: SearchKey; readonly right: SearchKey }
  | { readonly type: 'not'; readonly key: SearchKey }
  /** System flag set (`set` true) or not set: ANSWERED/UNANSWERED, DELETED, DRAFT, FLAGGED, SEEN. */
  | { readonly type: 'flag'; readonly flag: string; readonly set: boolean }
  | { readonly type: 'keyword'; readonly keyword: string; readonly set: boolean }
  /** IMAP4rev1 only: RECENT, NEW (recent and unseen), OLD (not recent). */
  | { readonly type: 'recent'; readonly set: boolean }
  | { readonly type: 'new' }
  /** A header substring; FROM, TO, CC, BCC and SUBJECT are this with the field's name. */
  | { readonly type: 'header'; readonly field: string; readonly value: string }
  | { readonly type: 'body'; readonly value: string }
  | { readonly type: 'text'; readonly value: string }
  /** BEFORE/ON/SINCE compare INTERNALDATE's day; SENTBEFORE/SENTON/SENTSINCE the Date header's. */
  | { readonly type: 'date'; readonly field: 'internal' | 'sent'; readonly relation: 'before' | 'on' | 'since'; readonly date: ImapDate }
  | { readonly type: 'size'; readonly relation: 'larger' | 'smaller'; readonly size: number }
  | { readonly type: 'sequence'; readonly set: SequenceSet }
  | { readonly type: 'uid'; readonly set: SequenceSet }
  /** CONDSTORE: messages whose mod-sequence is at least `modSeq`; the entry is informative. */
  | {
      readonly type: 'modseq';
      readonly modSeq: bigint;
      readonly entry: { readonly name: string; readonly scope: 'priv' | 'shared' | 'all' } | undefined;
    };

export interface SearchProgram {
  /** Upper case as given; undefined when the client named none (then US-ASCII/UTF-8). */
  readonly charset: string | undefined;
  /** The keys, ANDed: a single key, or an 'and' of several. */
  readonly criteria: SearchKey;
}

/** Charsets named in [BADCHARSET (...)]: every server must support these (RFC 9051 6.4.4). */
const SUPPORTED_CHARSETS = ['UTF-8', 'US-ASCII'] as const;

/** NOT and OR nest without parentheses; this bounds the recursion of a hostile program. */
const MAX_SEARCH_DEPTH = 64;

type StringDecoder = (bytes: Uint8Array) => string | undefined;

function decoderFor(charset: string | undefined): StringDecoder {
  if (charset === undefined || charset === 'UTF-8' || charset === 'UTF8') return decodeUtf8;
  if (charset === 'US-ASCII') return (bytes) => (isAscii(bytes) ? decodeUtf8(bytes) : undefined);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new ProtoError('BAD_CHARSET', 'Unsupported charset', SUPPORTED_CHARSETS);
  }
  return (bytes) => {
    try {
      return decoder.decode(bytes);
    } catch {
      return undefined;
    }
  };
}

const SYSTEM_FLAG_KEYS: Readonly<Record<string, readonly [string, boolean]>> = {
  ANSWERED: ['\\Answered', true],
  UNANSWERED: ['\\Answered', false],
  DELETED: ['\\Deleted', true],
  UNDELETED: ['\\Deleted', false],
  DRAFT: ['\\Draft', true],
  UNDRAFT: ['\\Draft', false],
  FLAGGED: ['\\Flagged', true],
  UNFLAGGED: ['\\Flagged', false],
  SEEN: ['\\Seen', true],
  UNSEEN: ['\\Seen', false],
};

const HEADER_KEYS: Readonly<Record<string, string>> = {
  FROM: 'From',
  TO: 'To',
  CC: 'Cc',
  BCC: 'Bcc',
  SUBJECT: 'Subject',
};

const DATE_KEYS: Readonly<Record<string, readonly ['internal' | 'sent', 'before' | 'on' | 'since']>> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

class SearchReader {
  private readonly decode: StringDecoder;

  constructor(decode: StringDecoder) {
    this.decode = decode;
  }

  text(args: ArgReader, what: string): string {
    const a = args.next(what);
    if (a.kind === 'atom') return a.value;
    if (a.kind !== 'string') throw syntaxError(`Expected ${what}`);
    const text = this.decode(a.bytes);
    if (text === undefined) throw new ProtoError('INVALID_STRING', `${what} is not valid in the given charset`);
    return text;
  }

  date(args: ArgReader): ImapDate {
    const a = args.next('date');
    if (a.kind === 'atom') return parseDate(a.value);
    if (a.kind === 'string' && a.form === 'quoted') return parseDate(decodeUtf8(a.bytes) ?? '');
    throw syntaxError('Expected a date');
  }

  key(args: ArgReader, depth: number): SearchKey {
    if (depth > MAX_SEARCH_DEPTH) throw new ProtoError('NESTING_TOO_DEEP', 'Search program nested too deeply');
    if (args.peek()?.kind === 'list') {
      const list = args.list('search keys');
      return this.keys(list, depth + 1);
    }
    const name = args.keyword('search key');
    const flag = SYSTEM_FLAG_KEYS[name];
    if (flag !== undefined) return { type: 'flag', flag: flag[0], set: flag[1] };
    const header = HEADER_KEYS[name];
    if (header !== undefined) return { type: 'header', field: header, value: this.text(args, 'search string') };
    const date = DATE_KEYS[name];
    if (date !== undefined) return { type: 'date', field: date[0], relation: date[1], date: this.date(args) };
    switch (name) {
      case 'ALL':
        return { type: 'all' };
      case 'NOT':
        return { type: 'not', key: this.key(args, depth + 1) };
      case 'OR': {
        const left = this.key(args, depth + 1);
        const right = this.key(args, depth + 1);
        return { type: 'or', left, right };
      }
      case 'KEYWORD':
      case 'UNKEYWORD':
        return { type: 'keyword', keyword: keywordText(args.atom('keyword')), set: name === 'KEYWORD' };
      case 'RECENT':
        return { type: 'recent', set: true };
      case 'OLD':
        return { type: 'recent', set: false };
      case 'NEW':
        return { type: 'new' };
      case 'HEADER': {
        const field = this.text(args, 'header field name');
        return { type: 'header', field, value: this.text(args, 'search string') };
      }
      case 'BODY':
        return { type: 'body', value: this.text(args, 'search string') };
      case 'TEXT':
        return { type: 'text', value: this.text(args, 'search string') };
      case 'LARGER':
      case 'SMALLER':
        return { type: 'size', relation: name === 'LARGER' ? 'larger' : 'smaller', size: args.safeNumber('size') };
      case 'UID':
        return { type: 'uid', set: args.sequenceSet('UID set') };
      case 'MODSEQ':
        return this.modseq(args);
      default:
        return { type: 'sequence', set: parseSequenceSetKey(name) };
    }
  }

  keys(args: ArgReader, depth: number): SearchKey {
    const keys = [this.key(args, depth)];
    while (!args.atEnd()) keys.push(this.key(args, depth));
    return keys.length === 1 ? keys[0]! : { type: 'and', keys };
  }

  // MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer
  private modseq(args: ArgReader): SearchKey {
    let entry: { name: string; scope: 'priv' | 'shared' | 'all' } | undefined;
    if (args.peek()?.kind === 'string') {
      const name = args.string('entry name');
      const scope = args.keyword('entry type').toLowerCase();
      if (scope !== 'priv' && scope !== 'shared' && scope !== 'all') throw syntaxError('Invalid entry type');
      entry = { name, scope };
    }
    return { type: 'modseq', modSeq: args.modSequence('mod-sequence'), entry };
  }
}

function parseSequenceSetKey(text: string): SequenceSet {
  const c = text.charCodeAt(0);
  // Anything not starting like a sequence set is an unknown key, not a broken set.
  if (!(c === 0x2a || c === 0x24 || (c >= 0x30 && c <= 0x39))) throw syntaxError('Unknown search key');
  return parseSequenceSet(text);
}

/** search-program: optional CHARSET, then the keys up to the end of `args`. */
export function readSearchProgram(args: ArgReader, charsetRequired: boolean): SearchProgram {
  let charset: string | undefined;
  if (charsetRequired || args.peekKeyword() === 'CHARSET') {
    if (!charsetRequired) args.next('CHARSET');
    charset = args.astring('charset').toUpperCase();
  }
  const reader = new SearchReader(decoderFor(charset));
  return { charset, criteria: reader.keys(args, 0) };
}

/** True when the program names message sequence numbers (a bare sequence-set key). */
export function searchUsesSequenceNumbers(key: SearchKey): boolean {
  switch (key.type) {
    case 'sequence':
      return true;
    case 'and':
      return key.keys.some(searchUsesSequenceNumbers);
    case 'or':
      return searchUsesSequenceNumbers(key.left) || searchUsesSequenceNumbers(key.right);
    case 'not':
      return searchUsesSequenceNumbers(key.key);
    default:
      return false;
  }
}
