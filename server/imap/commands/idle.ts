// tag IDLE CRLF ... "DONE" CRLF    (RFC 2177)
// The connection sends "+ idling", announces every change at once, and answers the tag
// after DONE.
import type { CommandHandler } from '../command.ts';
import type { IdleRequest } from '../proto/commands/idle.ts';

export const idle: CommandHandler<IdleRequest> = async () => ({ idle: true });
