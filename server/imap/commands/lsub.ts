// tag LSUB mailbox SP list-mailbox      (IMAP4rev1; RFC 9051 replaced it by LIST (SUBSCRIBED))
// A subscribed name without a folder is listed \Noselect.
import { HIERARCHY_DELIMITER } from '../../core/folder-tree.ts';
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import { matcher } from '../mailbox-pattern.ts';
import type { LsubRequest } from '../proto/commands/lsub.ts';

export const lsub: CommandHandler<LsubRequest> = async (ctx, request) => {
  const { session } = ctx;
  const match = matcher(request.reference, request.pattern);
  for (const entry of await session.folders()) {
    if (!entry.folder.subscribed || !match(entry.name)) continue;
    await ctx.send({ type: 'lsub', attributes: [], delimiter: HIERARCHY_DELIMITER, mailbox: entry.name });
  }
  const names = new Set((await session.folders()).map((entry) => entry.name));
  for (const name of await session.core.folderTree.orphanSubscriptions(session.account.accountId, session.account.keys)) {
    if (names.has(name) || !match(name)) continue;
    await ctx.send({ type: 'lsub', attributes: ['\\Noselect'], delimiter: HIERARCHY_DELIMITER, mailbox: name });
  }
  return ok('Lsub completed');
};
