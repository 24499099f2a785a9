// Conversations: messages joined by Message-ID, In-Reply-To and References (the summary's
// threading fields), as a user sees them: newest conversation first, each in date order.
import type { MessageSummary } from '../../../mime/types.ts';

export interface ThreadRow {
  uid: number;
  /** 0 for a conversation's first message, 1 for the rest (drawn indented). */
  depth: 0 | 1;
  /** Messages in the conversation (on its first row). */
  size: number;
}

export function threadRows(uids: readonly number[], dateOf: (uid: number) => number, summaryOf: (uid: number) => MessageSummary | undefined): ThreadRow[] {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root && parent.has(root)) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  const join = (a: string, b: string) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const rootA = find(a);
    const rootB = find(b);
    if (rootA !== rootB) parent.set(rootB, rootA);
  };
  const ownId = (uid: number) => `uid:${uid}`;
  for (const uid of uids) {
    const threading = summaryOf(uid)?.threading;
    join(ownId(uid), ownId(uid));
    if (!threading) continue;
    for (const id of [threading.messageId, ...threading.inReplyTo, ...threading.references]) {
      if (id) join(ownId(uid), `id:${id}`);
    }
  }
  const groups = new Map<string, number[]>();
  for (const uid of uids) {
    const root = find(ownId(uid));
    const group = groups.get(root);
    if (group) group.push(uid);
    else groups.set(root, [uid]);
  }
  const conversations = [...groups.values()].map((members) => members.sort((a, b) => dateOf(a) - dateOf(b)));
  conversations.sort((a, b) => dateOf(b[b.length - 1]!) - dateOf(a[a.length - 1]!));
  const rows: ThreadRow[] = [];
  for (const members of conversations) {
    for (const [index, uid] of members.entries()) rows.push({ uid, depth: index === 0 ? 0 : 1, size: index === 0 ? members.length : 0 });
  }
  return rows;
}
