// tag STARTTLS       (RFC 9051 6.2.1; only on the plain port, only before TLS and login)
import type { CommandHandler } from '../command.ts';
import { bad } from '../command.ts';
import type { StarttlsRequest } from '../proto/commands/starttls.ts';

export const starttls: CommandHandler<StarttlsRequest> = async (ctx) => {
  if (!ctx.session.starttlsOffered || ctx.session.secure) return bad('TLS is already active');
  return { status: 'OK', text: 'Begin TLS negotiation now', after: 'starttls' };
};
