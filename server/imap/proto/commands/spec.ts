// What every command file exports: its grammar, the session states it is valid in, how it
// relates to message sequence numbers (pipelining, RFC 3501 section 5.5, and when pending
// EXPUNGE responses may be sent, section 7.4.1), and a parser from argument tree to typed
// arguments. Modelled on Dovecot's command table and WildDuck's per-command files.

import { ArgReader, type ParseContext } from '../args.ts';
import { ProtoError } from '../errors.ts';
import type { Arg } from '../tokenizer.ts';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/** Commands valid in every state in which the server still reads commands. */
export const ANY_STATE: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const NOT_AUTHENTICATED: readonly SessionState[] = ['not-authenticated'];
/** Authenticated and selected: a selected session is also authenticated. */
export const AUTHENTICATED: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];

export interface CommandSpec<R extends { readonly name: string }> {
  readonly name: R['name'];
  /** The ABNF the parser implements, as in the RFC. */
  readonly grammar: string;
  readonly states: readonly SessionState[];
  /**
   * Its arguments or responses use message sequence numbers, so the session must not send
   * EXPUNGE while it runs and must not run it in parallel with a command that expunges.
   * UID SEARCH/SORT/THREAD are false here but may still name sequence numbers in their
   * search keys: ask `requestUsesSequenceNumbers` in commands/index.ts for the exact answer.
   */
  readonly usesSequenceNumbers: boolean;
  /** It may expunge messages (renumbering the rest), so nothing may be pipelined with it. */
  readonly expunges: boolean;
  /** Typed arguments from the arguments after the command name, or the error. */
  parse(args: readonly Arg[], ctx: ParseContext): R | ProtoError;
}

export interface CommandDefinition<R extends { readonly name: string }> extends Omit<CommandSpec<R>, 'parse'> {
  read(args: ArgReader): R;
}

export function defineCommand<R extends { readonly name: string }>(definition: CommandDefinition<R>): CommandSpec<R> {
  const { read, ...rest } = definition;
  return {
    ...rest,
    parse(args, ctx) {
      try {
        const reader = new ArgReader(args, ctx);
        const request = read(reader);
        reader.end();
        return request;
      } catch (error) {
        if (error instanceof ProtoError) return error;
        throw error;
      }
    },
  };
}

/** A command without arguments. */
export function defineBareCommand<N extends string>(
  name: N,
  states: readonly SessionState[],
  flags: { usesSequenceNumbers?: boolean; expunges?: boolean } = {},
): CommandSpec<{ readonly name: N }> {
  return defineCommand({
    name,
    grammar: `tag ${name}`,
    states,
    usesSequenceNumbers: flags.usesSequenceNumbers ?? false,
    expunges: flags.expunges ?? false,
    read: () => ({ name }),
  });
}
