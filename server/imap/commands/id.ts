// tag ID SP ("(" [string SP nstring *(SP string SP nstring)] ")" / "NIL")   (RFC 2971)
// What the client says about itself is neither logged nor kept: it can name a host.
// We name the software only, no version, so that an answer helps no attacker.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { IdRequest } from '../proto/commands/id.ts';

export const id: CommandHandler<IdRequest> = async (ctx) => {
  await ctx.send({ type: 'id', parameters: [['name', 'Sealpost']] });
  return ok('ID completed');
};
