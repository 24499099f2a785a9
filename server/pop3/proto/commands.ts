// POP3 commands: grammar, the states each is valid in, and a parser from one input line to
// a typed command. RFC 1939 (the base protocol), RFC 2449 (CAPA), RFC 2595 (STLS),
// RFC 5034 (AUTH). Pure: no I/O, no session state; the session checks the states.

export type Pop3State = 'authorization' | 'transaction';

export type Pop3Command =
  | { name: 'USER'; user: string }
  | { name: 'PASS'; secret: string }
  | { name: 'AUTH'; mechanism?: string; initialResponse?: string }
  | { name: 'STLS' }
  | { name: 'CAPA' }
  | { name: 'QUIT' }
  | { name: 'STAT' }
  | { name: 'LIST'; message?: number }
  | { name: 'UIDL'; message?: number }
  | { name: 'RETR'; message: number }
  | { name: 'TOP'; message: number; lines: number }
  | { name: 'DELE'; message: number }
  | { name: 'NOOP' }
  | { name: 'RSET' };

export type CommandName = Pop3Command['name'];

export type ParseErrorCode = 'EMPTY_COMMAND' | 'UNKNOWN_COMMAND' | 'SYNTAX';

export type ParseResult = { ok: true; command: Pop3Command } | { ok: false; code: ParseErrorCode; message: string };

interface CommandSpec {
  states: readonly Pop3State[];
  /** Receives the words after the keyword (for PASS: the raw rest of the line). */
  parse(args: string[], rest: string): ParseResult;
}

/** Message numbers are at most this (a mailbox never holds 2^31 messages); longer digit
 * strings are refused before conversion so that no precision is lost. */
const MAX_MESSAGE_NUMBER = 2 ** 31 - 1;
/** TOP's line count: anything beyond a message's length means "all of it". */
const MAX_TOP_LINES = Number.MAX_SAFE_INTEGER;

const syntax = (message: string): ParseResult => ({ ok: false, code: 'SYNTAX', message });
const parsed = (command: Pop3Command): ParseResult => ({ ok: true, command });

function noArguments(command: Pop3Command): (args: string[]) => ParseResult {
  return (args) => (args.length === 0 ? parsed(command) : syntax(`${command.name} takes no arguments`));
}

function parseNumber(text: string, max: number): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

function messageArgument(name: 'RETR' | 'DELE'): (args: string[]) => ParseResult {
  return (args) => {
    const message = args.length === 1 ? parseNumber(args[0]!, MAX_MESSAGE_NUMBER) : undefined;
    return message === undefined ? syntax(`${name} needs one message number`) : parsed({ name, message });
  };
}

function optionalMessageArgument(name: 'LIST' | 'UIDL'): (args: string[]) => ParseResult {
  return (args) => {
    if (args.length === 0) return parsed({ name });
    const message = args.length === 1 ? parseNumber(args[0]!, MAX_MESSAGE_NUMBER) : undefined;
    return message === undefined ? syntax(`${name} takes at most one message number`) : parsed({ name, message });
  };
}

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  // USER name
  USER: {
    states: ['authorization'],
    parse: (_args, rest) => (rest.trim() === '' ? syntax('USER needs a name') : parsed({ name: 'USER', user: rest.trim() })),
  },
  // PASS string — the whole rest of the line, spaces included (RFC 1939 section 7).
  PASS: {
    states: ['authorization'],
    parse: (_args, rest) => (rest === '' ? syntax('PASS needs the app password') : parsed({ name: 'PASS', secret: rest })),
  },
  // AUTH [mechanism [initial-response]] — without arguments it lists the mechanisms.
  AUTH: {
    states: ['authorization'],
    parse: (args) => {
      if (args.length > 2) return syntax('AUTH takes a mechanism and an optional initial response');
      const [mechanism, initialResponse] = args;
      if (mechanism === undefined) return parsed({ name: 'AUTH' });
      if (!/^[A-Za-z0-9_-]{1,20}$/.test(mechanism)) return syntax('invalid SASL mechanism name');
      return parsed({ name: 'AUTH', mechanism: mechanism.toUpperCase(), ...(initialResponse !== undefined ? { initialResponse } : {}) });
    },
  },
  // STLS
  STLS: { states: ['authorization'], parse: noArguments({ name: 'STLS' }) },
  // CAPA
  CAPA: { states: ['authorization', 'transaction'], parse: noArguments({ name: 'CAPA' }) },
  // QUIT
  QUIT: { states: ['authorization', 'transaction'], parse: noArguments({ name: 'QUIT' }) },
  // STAT
  STAT: { states: ['transaction'], parse: noArguments({ name: 'STAT' }) },
  // LIST [msg]
  LIST: { states: ['transaction'], parse: optionalMessageArgument('LIST') },
  // UIDL [msg]
  UIDL: { states: ['transaction'], parse: optionalMessageArgument('UIDL') },
  // RETR msg
  RETR: { states: ['transaction'], parse: messageArgument('RETR') },
  // TOP msg n
  TOP: {
    states: ['transaction'],
    parse: (args) => {
      const message = args.length === 2 ? parseNumber(args[0]!, MAX_MESSAGE_NUMBER) : undefined;
      const lines = args.length === 2 ? parseNumber(args[1]!, MAX_TOP_LINES) : undefined;
      if (message === undefined || lines === undefined) return syntax('TOP needs a message number and a number of lines');
      return parsed({ name: 'TOP', message, lines });
    },
  },
  // DELE msg
  DELE: { states: ['transaction'], parse: messageArgument('DELE') },
  // NOOP
  NOOP: { states: ['transaction'], parse: noArguments({ name: 'NOOP' }) },
  // RSET
  RSET: { states: ['transaction'], parse: noArguments({ name: 'RSET' }) },
};

const isCommandName = (word: string): word is CommandName => Object.hasOwn(COMMANDS, word);

/**
 * Parses one line (without its CRLF). Keywords are case-insensitive; arguments are
 * separated by spaces (runs of spaces are tolerated, trailing ones ignored). Error
 * messages never quote the input.
 */
export function parseCommand(line: string): ParseResult {
  const space = line.indexOf(' ');
  const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
  const rest = space < 0 ? '' : line.slice(space + 1);
  if (keyword === '' && rest.trim() === '') return { ok: false, code: 'EMPTY_COMMAND', message: 'Empty command' };
  if (!isCommandName(keyword)) return { ok: false, code: 'UNKNOWN_COMMAND', message: 'Unknown command' };
  const args = rest.split(' ').filter((word) => word !== '');
  return COMMANDS[keyword].parse(args, rest);
}

export function isValidIn(command: Pop3Command, state: Pop3State): boolean {
  return COMMANDS[command.name].states.includes(state);
}
