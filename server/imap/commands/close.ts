// tag CLOSE          (RFC 9051 6.4.1): expunge \Deleted messages silently (unless the
// mailbox was opened read-only), then leave it.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { CloseRequest } from '../proto/commands/close.ts';

export const close: CommandHandler<CloseRequest> = async (ctx) => {
  const { session } = ctx;
  const view = session.view;
  if (!view.readOnly) {
    const deleted = view.entries.filter((entry) => entry.flags.includes('\\Deleted')).map((entry) => entry.uid);
    if (deleted.length > 0) await session.core.mailbox.expunge(session.account.accountId, view.folderId, deleted, { onlyDeleted: true });
  }
  session.unselect();
  return ok('Close completed');
};
