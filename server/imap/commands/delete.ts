// tag DELETE mailbox
// Refused for INBOX, for the last folder of a default special use, and for a folder that
// still has children ([HASCHILDREN], as Dovecot does). Deleting the selected mailbox is
// allowed; the session notices at its next announcement and closes.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { DeleteRequest } from '../proto/commands/delete.ts';

export const deleteMailbox: CommandHandler<DeleteRequest> = async (ctx, request) => {
  const { session } = ctx;
  const { accountId, keys } = session.account;
  const entry = await session.findFolder(request.mailbox);
  await session.core.folderTree.delete(accountId, keys, request.mailbox);
  session.forgetFolders();
  if (entry && session.selected?.folderId === entry.folder.id) session.unselect();
  return ok('Delete completed');
};
