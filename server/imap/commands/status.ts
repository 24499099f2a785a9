// tag STATUS mailbox SP "(" status-att *(SP status-att) ")"
// Counts come from the folder record, which every write keeps exact: no scan, whatever the
// folder's size. RECENT (IMAP4rev1) counts the messages no session has selected yet.
import type { FolderRecord } from '../../core/records.ts';
import type { CommandHandler } from '../command.ts';
import { no, ok } from '../command.ts';
import type { StatusItem } from '../proto/commands/status.ts';
import type { StatusRequest } from '../proto/commands/status.ts';
import type { StatusValues } from '../proto/index.ts';
import type { Session } from '../session.ts';

export async function statusValues(session: Session, folderId: string, items: readonly StatusItem[]): Promise<StatusValues> {
  const { accountId } = session.account;
  const folder: FolderRecord = await session.core.folders.get(accountId, folderId);
  const values: { -readonly [K in keyof StatusValues]: StatusValues[K] } = {};
  for (const item of items) {
    switch (item) {
      case 'MESSAGES':
        values.MESSAGES = folder.messages;
        break;
      case 'UIDNEXT':
        values.UIDNEXT = folder.uidNext;
        break;
      case 'UIDVALIDITY':
        values.UIDVALIDITY = folder.uidValidity;
        break;
      case 'UNSEEN':
        values.UNSEEN = folder.unseen;
        break;
      case 'DELETED':
        values.DELETED = folder.deleted;
        break;
      case 'SIZE':
        values.SIZE = folder.bytes;
        break;
      case 'HIGHESTMODSEQ':
        session.enabled.condstore = true;
        values.HIGHESTMODSEQ = BigInt(folder.highestModSeq);
        break;
      case 'APPENDLIMIT':
        values.APPENDLIMIT = session.services.config.appendLimit;
        break;
      case 'RECENT': {
        const first = session.core.mailbox.firstRecentUid(accountId, folder);
        values.RECENT = first >= folder.uidNext ? 0 : (await session.core.messages.list(accountId, folderId, { fromUid: first })).length;
        break;
      }
    }
  }
  return values;
}

export const status: CommandHandler<StatusRequest> = async (ctx, request) => {
  const entry = await ctx.session.findFolder(request.mailbox);
  if (!entry) return no('No such mailbox', { code: 'NONEXISTENT' });
  await ctx.send({ type: 'status-data', mailbox: entry.name, values: await statusValues(ctx.session, entry.folder.id, request.items) });
  return ok('Status completed');
};
