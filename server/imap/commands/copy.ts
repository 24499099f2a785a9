// tag [UID SP] COPY SP sequence-set SP mailbox
// tag [UID SP] MOVE SP sequence-set SP mailbox                            (RFC 6851)
// The copies keep the ciphertext (same blob, one more reference, no re-encryption) and get
// new UIDs in the target; [COPYUID] pairs them (UIDPLUS, RFC 4315). MOVE is one core
// transaction: copy and expunge together, then EXPUNGE (or VANISHED) responses.
import type { CommandHandler } from '../command.ts';
import { no, ok } from '../command.ts';
import type { CopyRequest } from '../proto/commands/copy.ts';
import type { MoveRequest } from '../proto/commands/move.ts';

export const copy: CommandHandler<CopyRequest | MoveRequest> = async (ctx, request) => {
  const { session } = ctx;
  const view = session.view;
  const move = request.name === 'MOVE' || request.name === 'UID MOVE';
  if (move && view.readOnly) return no('The mailbox is read-only', { code: 'READ-ONLY' });
  const indexes = session.resolve(request.set, request.name.startsWith('UID '));
  const target = await session.findFolder(request.mailbox);
  if (!target) return no('No such mailbox', { code: 'TRYCREATE' });
  const { accountId, keys } = session.account;
  const uids = indexes.map((index) => view.entries[index]!.uid);
  if (uids.length === 0) return ok(`${move ? 'Move' : 'Copy'} completed, nothing to do`);
  const result = await session.core.mailbox.copy(accountId, view.folderId, uids, target.folder.id, { move, keys });
  if (result.sourceUids.length === 0) return no('The messages no longer exist', { code: 'EXPUNGEISSUED' });
  const copyUid = { code: 'COPYUID' as const, uidValidity: result.uidValidity, sourceUids: result.sourceUids, destinationUids: result.destinationUids };
  if (!move) return ok('Copy completed', copyUid);
  // RFC 6851 3.3: COPYUID goes in an untagged OK before the expunges.
  await ctx.send({ type: 'status', status: 'OK', code: copyUid, text: 'Moved' });
  for (const response of view.removeExpunged(result.expunged, session.announceOptions)) await ctx.send(response);
  if (result.sourceHighestModSeq > view.highestModSeq) view.highestModSeq = result.sourceHighestModSeq;
  return ok('Move completed');
};
