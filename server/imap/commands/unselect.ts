// tag UNSELECT       (RFC 3691): leave the mailbox without expunging.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { UnselectRequest } from '../proto/commands/unselect.ts';

export const unselect: CommandHandler<UnselectRequest> = async (ctx) => {
  ctx.session.unselect();
  return ok('Unselect completed');
};
