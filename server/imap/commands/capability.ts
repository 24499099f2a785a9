// tag CAPABILITY
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import { capabilities } from '../capabilities.ts';
import type { CapabilityRequest } from '../proto/commands/capability.ts';

export const capability: CommandHandler<CapabilityRequest> = async (ctx) => {
  await ctx.send({ type: 'capability', capabilities: capabilities(ctx.session) });
  return ok('Capability completed');
};
