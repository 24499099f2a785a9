// tag LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
// (RFC 3501 6.3.8, LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819)
// Children (\HasChildren/\HasNoChildren) and special-use attributes are always given;
// subscribed names without a folder appear as \NonExistent under SUBSCRIBED.
import { HIERARCHY_DELIMITER } from '../../core/folder-tree.ts';
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import { matcher } from '../mailbox-pattern.ts';
import type { ListRequest } from '../proto/commands/list.ts';
import type { Response } from '../proto/index.ts';
import { statusValues } from './status.ts';

export const list: CommandHandler<ListRequest> = async (ctx, request) => {
  const { session } = ctx;
  const { selection, returns } = request;
  if (request.patterns.length === 1 && request.patterns[0] === '' && !request.extended) {
    // RFC 3501: the hierarchy delimiter and the root of the reference.
    await ctx.send({ type: 'list', attributes: ['\\Noselect'], delimiter: HIERARCHY_DELIMITER, mailbox: '' });
    return ok('List completed');
  }
  const matchers = request.patterns.map((pattern) => matcher(request.reference, pattern));
  const matching = (name: string) => matchers.some((match) => match(name));
  const folders = await session.folders();
  const names = new Set(folders.map((entry) => entry.name));
  const hasChildren = (name: string) => folders.some((entry) => entry.name.startsWith(name + HIERARCHY_DELIMITER));
  const wantSubscribed = selection.subscribed || returns.subscribed;
  const orphans = wantSubscribed ? await session.core.folderTree.orphanSubscriptions(session.account.accountId, session.account.keys) : [];
  const subscribed = new Set([...folders.filter((entry) => entry.folder.subscribed).map((entry) => entry.name), ...orphans]);

  const responses: { list: Response; folderId?: string }[] = [];
  for (const entry of folders) {
    const { name, folder } = entry;
    if (!matching(name)) continue;
    if (selection.specialUse && (folder.specialUse === null || folder.specialUse === '\\Inbox')) continue;
    let childInfo: string[] | undefined;
    if (selection.subscribed && !subscribed.has(name)) {
      const subscribedBelow = [...subscribed].some((other) => other.startsWith(name + HIERARCHY_DELIMITER));
      if (!selection.recursiveMatch || !subscribedBelow) continue;
      childInfo = ['SUBSCRIBED'];
    }
    const attributes = [hasChildren(name) ? '\\HasChildren' : '\\HasNoChildren'];
    if (folder.specialUse !== null && folder.specialUse !== '\\Inbox') attributes.push(folder.specialUse);
    if (wantSubscribed && subscribed.has(name)) attributes.push('\\Subscribed');
    responses.push({ list: listResponse(name, attributes, childInfo), folderId: folder.id });
  }
  if (selection.subscribed && !selection.specialUse) {
    for (const name of orphans) {
      if (names.has(name) || !matching(name)) continue;
      responses.push({ list: listResponse(name, ['\\NonExistent', '\\Subscribed']) });
    }
  }
  for (const { list, folderId } of responses) {
    await ctx.send(list);
    if (returns.status && folderId !== undefined && list.type === 'list') {
      await ctx.send({ type: 'status-data', mailbox: list.mailbox, values: await statusValues(session, folderId, returns.status) });
    }
  }
  return ok('List completed');
};

function listResponse(mailbox: string, attributes: string[], childInfo?: string[]): Response {
  return childInfo
    ? { type: 'list', attributes, delimiter: HIERARCHY_DELIMITER, mailbox, childInfo }
    : { type: 'list', attributes, delimiter: HIERARCHY_DELIMITER, mailbox };
}
