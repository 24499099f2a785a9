// tag CREATE mailbox [SP "(" "USE" SP "(" use-attr ... ")" ")"]    (CREATE-SPECIAL-USE, RFC 6154)
// Missing parents are created too; the name is stored only encrypted (shared/folder-names.ts).
// \All and \Flagged would be virtual folders, which Sealpost does not have.
import type { SpecialUse } from '../../core/records.ts';
import type { CommandHandler } from '../command.ts';
import { no, ok } from '../command.ts';
import type { CreateRequest } from '../proto/commands/create.ts';

const STORABLE_USES: ReadonlySet<string> = new Set(['\\Archive', '\\Drafts', '\\Junk', '\\Sent', '\\Trash']);

export const create: CommandHandler<CreateRequest> = async (ctx, request) => {
  const { session } = ctx;
  if (request.specialUse.length > 1 || request.specialUse.some((use) => !STORABLE_USES.has(use))) {
    return no('Unsupported special use', { code: 'USEATTR' });
  }
  // A trailing delimiter only says that children are intended (RFC 3501 6.3.3).
  const name = request.mailbox.endsWith('/') ? request.mailbox.slice(0, -1) : request.mailbox;
  const { accountId, keys } = session.account;
  await session.core.folderTree.create(accountId, keys, name, (request.specialUse[0] as SpecialUse | undefined) ?? null);
  session.forgetFolders();
  return ok('Create completed');
};
