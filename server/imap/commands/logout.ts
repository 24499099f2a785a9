// tag LOGOUT
import type { CommandHandler } from '../command.ts';
import type { LogoutRequest } from '../proto/commands/logout.ts';

export const logout: CommandHandler<LogoutRequest> = async (ctx) => {
  await ctx.send({ type: 'status', status: 'BYE', text: 'Logging out' });
  return { status: 'OK', text: 'Logout completed', after: 'logout' };
};
