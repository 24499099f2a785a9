// tag LOGIN userid SP password     (userid: an address; password: an app password)
import type { CommandHandler } from '../command.ts';
import { logIn } from '../login.ts';
import type { LoginRequest } from '../proto/commands/login.ts';

export const login: CommandHandler<LoginRequest> = (ctx, request) => logIn(ctx.session, request.username, request.password);
