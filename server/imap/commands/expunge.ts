// tag EXPUNGE
// tag UID EXPUNGE SP sequence-set                                          (UIDPLUS, RFC 4315)
// Removes the messages flagged \Deleted (that still are at commit time), and tells the
// client with EXPUNGE responses, or VANISHED once QRESYNC is enabled.
import type { CommandHandler } from '../command.ts';
import { no, ok } from '../command.ts';
import type { ExpungeRequest, UidExpungeRequest } from '../proto/commands/expunge.ts';

export const expunge: CommandHandler<ExpungeRequest | UidExpungeRequest> = async (ctx, request) => {
  const { session } = ctx;
  const view = session.view;
  if (view.readOnly) return no('The mailbox is read-only', { code: 'READ-ONLY' });
  const indexes = request.name === 'UID EXPUNGE' ? session.resolve(request.set, true) : view.entries.map((_, index) => index);
  const uids = indexes
    .map((index) => view.entries[index]!)
    .filter((entry) => entry.flags.includes('\\Deleted'))
    .map((entry) => entry.uid);
  if (uids.length > 0) {
    const result = await session.core.mailbox.expunge(session.account.accountId, view.folderId, uids, { onlyDeleted: true });
    for (const response of view.removeExpunged(result.expunged, session.announceOptions)) await ctx.send(response);
    if (result.highestModSeq > view.highestModSeq) view.highestModSeq = result.highestModSeq;
    if (session.enabled.condstore) return ok('Expunge completed', { code: 'HIGHESTMODSEQ', value: BigInt(result.highestModSeq) });
  }
  return ok('Expunge completed');
};
