// tag APPEND mailbox [SP flag-list] [SP date-time] SP (literal / literal8)
// tag APPEND mailbox [SP flag-list] [SP date-time] SP "UTF8" SP "(" literal8 ")"   (RFC 6855)
// One message per command: MULTIAPPEND (RFC 3502) is not offered.
//
// The message itself never becomes an argument: the receiver streams it to the session
// ('append-begin', 'append-chunk'...) and then completes the command with this parser,
// which sees a 'streamed' placeholder where the literal was.
import { ArgReader, type ParseContext } from '../args.ts';
import { parseDateTime, type ImapDateTime } from '../datetime.ts';
import { ProtoError, syntaxError } from '../errors.ts';
import { decodeUtf8 } from '../chars.ts';
import type { Arg } from '../tokenizer.ts';
import { AUTHENTICATED, defineCommand } from './spec.ts';

/** What the session needs to decide on a message before reading it. */
export interface AppendHead {
  readonly mailbox: string;
  readonly flags: readonly string[];
  /** INTERNALDATE to store; undefined means "now". */
  readonly internalDate: ImapDateTime | undefined;
  /** The UTF8 (...) form: the message may hold raw UTF-8 headers (RFC 6855 section 4). */
  readonly utf8: boolean;
}

export interface AppendRequest extends AppendHead {
  readonly name: 'APPEND';
  readonly size: number;
  /** Sent as literal8 (~{n}): may contain NUL and binary parts (RFC 3516). */
  readonly binary: boolean;
}

function readHead(args: ArgReader): Omit<AppendHead, 'utf8'> {
  const mailbox = args.mailbox();
  const flags = args.peek()?.kind === 'list' ? args.flagList() : [];
  let internalDate: ImapDateTime | undefined;
  const next = args.peek();
  if (next?.kind === 'string') {
    if (next.form !== 'quoted') throw syntaxError('date-time must be a quoted string');
    args.next('date-time');
    internalDate = parseDateTime(decodeUtf8(next.bytes) ?? '');
  }
  return { mailbox, flags, internalDate };
}

/**
 * Parses the part of an APPEND read before its message literal: `args` are the arguments
 * after the command name, `openUtf8List` tells that the literal sits inside "UTF8 (".
 * Used by the receiver to announce the message before streaming it.
 */
export function parseAppendHead(args: readonly Arg[], ctx: ParseContext, openUtf8List: boolean, binary: boolean): AppendHead | ProtoError {
  try {
    const reader = new ArgReader(openUtf8List ? args.slice(0, -2) : args, ctx);
    const head = readHead(reader);
    reader.end();
    if (openUtf8List && !binary) throw syntaxError('The UTF8 form of APPEND needs a literal8 (~{n})');
    return { ...head, utf8: openUtf8List };
  } catch (error) {
    if (error instanceof ProtoError) return error;
    throw error;
  }
}

export const appendCommand = defineCommand<AppendRequest>({
  name: 'APPEND',
  grammar: 'tag APPEND mailbox [SP flag-list] [SP date-time] SP (literal / literal8 / "UTF8" SP "(" literal8 ")")',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const head = readHead(args);
    let utf8 = false;
    let message = args.next('message literal');
    if (message.kind === 'atom' && message.value.toUpperCase() === 'UTF8') {
      utf8 = true;
      const list = args.list('UTF8 message');
      message = list.next('message literal');
      list.end();
      if (message.kind === 'streamed' && !message.binary) throw syntaxError('The UTF8 form of APPEND needs a literal8 (~{n})');
    }
    if (message.kind !== 'streamed') throw syntaxError('Expected the message as a literal');
    if (!args.atEnd()) throw new ProtoError('MULTIAPPEND_UNSUPPORTED', 'One message per APPEND');
    return { name: 'APPEND', ...head, utf8, size: message.size, binary: message.binary };
  },
});
