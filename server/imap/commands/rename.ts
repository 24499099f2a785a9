// tag RENAME mailbox SP mailbox
// Renames the folder and every folder below it; renaming INBOX moves its messages to the
// new folder and leaves INBOX empty (RFC 3501 6.3.5).
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { RenameRequest } from '../proto/commands/rename.ts';

export const rename: CommandHandler<RenameRequest> = async (ctx, request) => {
  const { session } = ctx;
  const { accountId, keys } = session.account;
  const to = request.to.endsWith('/') ? request.to.slice(0, -1) : request.to;
  await session.core.folderTree.rename(accountId, keys, request.from, to);
  session.forgetFolders();
  return ok('Rename completed');
};
