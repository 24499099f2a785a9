// tag [UID SP] THREAD SP ("ORDEREDSUBJECT" / "REFERENCES") SP charset 1*(SP search-key)
// (RFC 5256) over the messages the search keys select; see ../thread.ts.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { ThreadRequest } from '../proto/commands/thread.ts';
import { search } from '../search.ts';
import { threadByOrderedSubject, threadByReferences, type ThreadInput } from '../thread.ts';
import { summariesOf } from './sort.ts';

export const thread: CommandHandler<ThreadRequest> = async (ctx, request) => {
  const { session } = ctx;
  const view = session.view;
  const indexes = await search(session, request.criteria);
  const summaries = await summariesOf(session, indexes);
  const byUid = request.name === 'UID THREAD';
  const inputs: ThreadInput[] = [];
  for (const index of indexes) {
    const summary = summaries.get(index);
    if (!summary) continue;
    const entry = view.entries[index]!;
    inputs.push({
      id: byUid ? entry.uid : index + 1,
      seq: index + 1,
      messageId: summary.threading.messageId,
      references: summary.threading.references,
      inReplyTo: summary.threading.inReplyTo,
      baseSubject: summary.sortKeys.subject,
      isReply: summary.threading.isReplyOrForward,
      date: summary.sortKeys.sentDate ?? entry.internalDate,
    });
  }
  const threads = request.algorithm === 'REFERENCES' ? threadByReferences(inputs) : threadByOrderedSubject(inputs);
  await ctx.send({ type: 'thread', threads });
  return ok('Thread completed');
};
