// The shape of a command handler: typed arguments in (from the wire layer's parser),
// response objects out. Handlers never build protocol text; untagged responses go through
// `send`, the tagged completion is the returned result. A few commands hand the connection
// a follow-up it alone can perform (TLS, compression, IDLE, a SASL exchange, closing).
import type { CommandResult } from './errors.ts';
import type { Request, Response } from './proto/index.ts';
import type { Session } from './session.ts';

export type { CommandResult } from './errors.ts';

export interface CommandContext {
  readonly session: Session;
  readonly tag: string;
  /** Sends an untagged response, waiting while the client is slow to read. */
  send(response: Response): Promise<void>;
}

export type CommandOutcome =
  | (CommandResult & { after?: 'starttls' | 'compress' | 'logout' })
  /** IDLE: "+ idling", then announcements as they happen until DONE. */
  | { idle: true }
  /** AUTHENTICATE: send the challenge, hand the client's answer to `respond`. */
  | { challenge: Uint8Array; respond(data: Uint8Array): Promise<CommandResult> };

export type CommandHandler<R extends Request> = (ctx: CommandContext, request: R) => Promise<CommandOutcome>;

export const ok = (text: string, code?: CommandResult['code']): CommandResult => (code ? { status: 'OK', code, text } : { status: 'OK', text });
export const no = (text: string, code?: CommandResult['code']): CommandResult => (code ? { status: 'NO', code, text } : { status: 'NO', text });
export const bad = (text: string): CommandResult => ({ status: 'BAD', text });
