// tag [UID SP] STORE SP sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"]
//                    SP (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / flag *(SP flag))
// The core changes the flags in one transaction with a new MODSEQ; messages changed since
// UNCHANGEDSINCE are left alone and named in [MODIFIED] (RFC 7162 3.1.3). Without .SILENT
// every named message is answered with its flags.
import type { CommandHandler } from '../command.ts';
import { no, ok } from '../command.ts';
import type { StoreRequest } from '../proto/commands/store.ts';
import { flagsFetch } from '../selected.ts';

const MODES = { replace: 'set', add: 'add', remove: 'remove' } as const;

export const store: CommandHandler<StoreRequest> = async (ctx, request) => {
  const { session } = ctx;
  const view = session.view;
  if (view.readOnly) return no('The mailbox is read-only', { code: 'READ-ONLY' });
  const byUid = request.name === 'UID STORE';
  if (request.unchangedSince !== undefined) session.enabled.condstore = true;
  const indexes = session.resolve(request.set, byUid);
  const uids = indexes.map((index) => view.entries[index]!.uid);
  const result = await session.core.mailbox.setFlags(session.account.accountId, view.folderId, uids, {
    mode: MODES[request.operation],
    flags: [...request.flags],
    unchangedSince: request.unchangedSince === undefined ? undefined : Number(request.unchangedSince),
  });
  for (const update of result.updated) view.acknowledgeFlags(update.uid, update.flags, update.modSeq);
  const modified = new Set(result.modified);
  if (!request.silent) {
    const options = session.announceOptions;
    for (const index of indexes) {
      const entry = view.entries[index]!;
      if (modified.has(entry.uid) || view.pendingExpunges.has(entry.uid)) continue;
      view.pendingFlags.delete(entry.uid);
      await ctx.send(flagsFetch(index + 1, entry, options));
    }
  }
  if (modified.size > 0) {
    const numbers = byUid ? result.modified : indexes.filter((index) => modified.has(view.entries[index]!.uid)).map((index) => index + 1);
    return ok('Conditional store completed', { code: 'MODIFIED', numbers });
  }
  return ok('Store completed');
};
