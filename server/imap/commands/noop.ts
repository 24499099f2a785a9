// tag NOOP
// tag CHECK          (IMAP4rev1 only; our writes are durable at once, so it is a NOOP)
// Both exist to give the server a moment to announce changes: the connection does that
// after every command that allows it.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { CheckRequest } from '../proto/commands/check.ts';
import type { NoopRequest } from '../proto/commands/noop.ts';

export const noop: CommandHandler<NoopRequest | CheckRequest> = async (_ctx, request) => ok(`${request.name} completed`);
