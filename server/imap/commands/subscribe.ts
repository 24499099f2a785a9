// tag SUBSCRIBE mailbox
// tag UNSUBSCRIBE mailbox
// A name may be subscribed without a folder (RFC 3501 6.3.6); it is kept encrypted too.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { SubscribeRequest } from '../proto/commands/subscribe.ts';

export const subscribe: CommandHandler<SubscribeRequest> = async (ctx, request) => {
  const { session } = ctx;
  const { accountId, keys } = session.account;
  await session.core.folderTree.setSubscribed(accountId, keys, request.mailbox, request.name === 'SUBSCRIBE');
  session.forgetFolders();
  return ok(`${request.name === 'SUBSCRIBE' ? 'Subscribe' : 'Unsubscribe'} completed`);
};
