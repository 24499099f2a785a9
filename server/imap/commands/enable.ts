// tag ENABLE 1*(SP capability)     (RFC 5161)
// CONDSTORE (RFC 7162), QRESYNC (implies CONDSTORE), UTF8=ACCEPT (RFC 6855) and IMAP4rev2
// (RFC 9051); ENABLED lists what this command newly turned on. The connection switches the
// receiver to UTF-8 mailbox names after the reply.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { EnableRequest } from '../proto/commands/enable.ts';

export const enable: CommandHandler<EnableRequest> = async (ctx, request) => {
  const { enabled } = ctx.session;
  const newly: string[] = [];
  for (const capability of request.capabilities) {
    switch (capability) {
      case 'CONDSTORE':
        if (!enabled.condstore) newly.push('CONDSTORE');
        enabled.condstore = true;
        break;
      case 'QRESYNC':
        if (!enabled.qresync) newly.push('QRESYNC');
        enabled.qresync = true;
        enabled.condstore = true;
        break;
      case 'UTF8=ACCEPT':
        if (!enabled.utf8Accept) newly.push('UTF8=ACCEPT');
        enabled.utf8Accept = true;
        break;
      case 'IMAP4REV2':
        if (!enabled.rev2) newly.push('IMAP4rev2');
        enabled.rev2 = true;
        break;
      default:
        break;
    }
  }
  await ctx.send({ type: 'enabled', capabilities: newly });
  return ok('Enabled');
};
