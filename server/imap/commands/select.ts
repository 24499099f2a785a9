// tag SELECT  mailbox [SP "(" select-param *(SP select-param) ")"]
// tag EXAMINE mailbox [SP "(" select-param *(SP select-param) ")"]
// select-param = "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value
//                [SP known-uids] [SP seq-match-data] ")"                   (RFC 7162)
// Reads the folder record and the process-wide snapshot of its messages (never a body,
// folder-snapshots.ts) and builds this session's view of it. With
// QRESYNC, the client learns what vanished and what changed since its MODSEQ.
import type { CommandHandler } from '../command.ts';
import { bad, no, ok } from '../command.ts';
import { normaliseRanges, type Response, type SequenceSet } from '../proto/index.ts';
import type { SelectRequest } from '../proto/commands/select.ts';
import { SelectedMailbox, flagsFetch } from '../selected.ts';

const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

export const select: CommandHandler<SelectRequest> = async (ctx, request) => {
  const { session } = ctx;
  if (request.qresync && !session.enabled.qresync) return bad('Enable QRESYNC first');
  if (session.selected) {
    session.unselect();
    // RFC 7162 3.2.11 and RFC 9051 7.1: tells the client where the old mailbox's responses end.
    if (session.enabled.condstore || session.enabled.rev2)
      await ctx.send({ type: 'status', status: 'OK', code: { code: 'CLOSED' }, text: 'Previous mailbox closed' });
  }
  const entry = await session.findFolder(request.mailbox);
  if (!entry) return no('No such mailbox', { code: 'NONEXISTENT' });
  if (request.condstore) session.enabled.condstore = true;
  const { accountId } = session.account;
  const readOnly = request.name === 'EXAMINE';
  session.beginLoading(entry.folder.id);
  let view: SelectedMailbox;
  let uidNext: number;
  try {
    const folder = await session.core.folders.get(accountId, entry.folder.id);
    const messages = await session.services.snapshots.entries(accountId, folder);
    const recent = await session.claimRecent({ folderId: folder.id, readOnly }, messages, folder);
    let highestModSeq = folder.highestModSeq;
    for (const message of messages) if (message.modSeq > highestModSeq) highestModSeq = message.modSeq;
    view = new SelectedMailbox({ folderId: folder.id, name: entry.name, readOnly, uidValidity: folder.uidValidity, highestModSeq, messages, recent });
    uidNext = Math.max(folder.uidNext, view.lastUid + 1);
  } catch (error) {
    session.unselect();
    throw error;
  }
  session.select(view);

  const keywords = new Set<string>();
  for (const message of view.entries) for (const flag of message.flags) if (!flag.startsWith('\\')) keywords.add(flag);
  const flags = [...SYSTEM_FLAGS, ...keywords];
  const rev1 = !session.enabled.rev2;
  const untagged: Response[] = [
    { type: 'flags', flags },
    {
      type: 'status',
      status: 'OK',
      code: { code: 'PERMANENTFLAGS', flags: readOnly ? [] : [...flags, '\\*'] },
      text: readOnly ? 'Read-only mailbox' : 'Flags permitted',
    },
    { type: 'exists', count: view.exists },
  ];
  if (rev1) untagged.push({ type: 'recent', count: view.recentCount });
  const firstUnseen = view.entries.findIndex((message) => !message.flags.includes('\\Seen'));
  if (rev1 && firstUnseen >= 0) untagged.push({ type: 'status', status: 'OK', code: { code: 'UNSEEN', value: firstUnseen + 1 }, text: 'First unseen' });
  untagged.push(
    { type: 'status', status: 'OK', code: { code: 'UIDVALIDITY', value: view.uidValidity }, text: 'UIDs valid' },
    { type: 'status', status: 'OK', code: { code: 'UIDNEXT', value: uidNext }, text: 'Predicted next UID' },
    { type: 'status', status: 'OK', code: { code: 'HIGHESTMODSEQ', value: BigInt(view.highestModSeq) }, text: 'Highest' },
  );
  for (const response of untagged) await ctx.send(response);

  const resync = request.qresync;
  if (resync && resync.uidValidity === view.uidValidity) {
    const since = Number(resync.modSeq);
    const known = resync.knownUids ? membership(resync.knownUids) : () => true;
    const vanished = (await session.core.mailbox.vanishedSince(accountId, view.folderId, since)).filter(known);
    if (vanished.length > 0) await ctx.send({ type: 'vanished', earlier: true, uids: vanished });
    const options = session.announceOptions;
    for (let index = 0; index < view.entries.length; index++) {
      const message = view.entries[index]!;
      if (message.modSeq > since) await ctx.send(flagsFetch(index + 1, message, options));
    }
  }
  return ok(`${readOnly ? 'Examine' : 'Select'} completed`, { code: readOnly ? 'READ-ONLY' : 'READ-WRITE' });
};

/** Membership in a UID set as the client wrote it ("*" is the largest UID there is). */
function membership(set: SequenceSet): (uid: number) => boolean {
  if (set.kind === 'saved') return () => true;
  const ranges = normaliseRanges(set.ranges, 0xffff_ffff);
  return (uid) => ranges.some(([low, high]) => uid >= low && uid <= high);
}
