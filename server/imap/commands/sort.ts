// tag [UID SP] SORT SP "(" ["REVERSE" SP] sort-key ... ")" SP charset 1*(SP search-key)
// sort-key = ARRIVAL / CC / DATE / FROM / SIZE / SUBJECT / TO / DISPLAYFROM / DISPLAYTO
// (RFC 5256, RFC 5957). Keys come ready to compare from the encrypted metadata record;
// ties keep sequence order.
import type { MessageSummary } from '../../../mime/structure.ts';
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { SortKey, SortRequest } from '../proto/commands/sort.ts';
import { search } from '../search.ts';
import type { ViewEntry } from '../selected.ts';
import type { Session } from '../session.ts';

type Value = string | number;

function keyValue(key: SortKey, entry: ViewEntry, summary: MessageSummary | undefined): Value {
  const keys = summary?.sortKeys;
  switch (key) {
    case 'ARRIVAL':
      return entry.internalDate;
    case 'SIZE':
      return entry.size;
    case 'DATE':
      return keys?.sentDate ?? entry.internalDate;
    case 'CC':
      return keys?.cc ?? '';
    case 'FROM':
      return keys?.from ?? '';
    case 'TO':
      return keys?.to ?? '';
    case 'SUBJECT':
      return keys?.subject ?? '';
    case 'DISPLAYFROM':
      return keys?.displayFrom ?? '';
    case 'DISPLAYTO':
      return keys?.displayTo ?? '';
  }
}

/** Summaries of the given view indexes (undefined for a message gone meanwhile). */
export async function summariesOf(session: Session, indexes: readonly number[]): Promise<Map<number, MessageSummary>> {
  const summaries = new Map<number, MessageSummary>();
  const view = session.view;
  const missing: number[] = [];
  for (const index of indexes) {
    const cached = session.cachedSummary(view.entries[index]!.uid);
    if (cached) summaries.set(index, cached);
    else missing.push(index);
  }
  const records = await session.records(missing);
  for (let i = 0; i < missing.length; i++) {
    const record = records[i];
    if (record) summaries.set(missing[i]!, await session.summaryOf(record));
  }
  return summaries;
}

export const sort: CommandHandler<SortRequest> = async (ctx, request) => {
  const { session } = ctx;
  const view = session.view;
  const indexes = await search(session, request.criteria);
  const needsSummary = request.sortBy.some((criterion) => criterion.key !== 'ARRIVAL' && criterion.key !== 'SIZE');
  const summaries = needsSummary ? await summariesOf(session, indexes) : new Map<number, MessageSummary>();
  const rows = indexes.map((index) => ({
    index,
    values: request.sortBy.map((criterion) => keyValue(criterion.key, view.entries[index]!, summaries.get(index))),
  }));
  rows.sort((a, b) => {
    for (let k = 0; k < request.sortBy.length; k++) {
      const x = a.values[k]!;
      const y = b.values[k]!;
      if (x === y) continue;
      const order = x < y ? -1 : 1;
      return request.sortBy[k]!.reverse ? -order : order;
    }
    return a.index - b.index;
  });
  const byUid = request.name === 'UID SORT';
  await ctx.send({ type: 'sort', numbers: rows.map((row) => (byUid ? view.entries[row.index]!.uid : row.index + 1)) });
  return ok('Sort completed');
};
