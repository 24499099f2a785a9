// tag [UID SP] FETCH SP sequence-set SP (macro / fetch-att / "(" fetch-att *(SP fetch-att) ")")
//                    [SP "(" ("CHANGEDSINCE" SP mod-sequence-value / "VANISHED") ... ")"]
// FLAGS, UID, MODSEQ, INTERNALDATE and RFC822.SIZE come from the session's view; ENVELOPE
// and BODYSTRUCTURE from the encrypted metadata record; sections from the chunks that hold
// them. A non-PEEK body fetch sets \Seen first (unless the mailbox is read-only) and
// reports the new flags. Messages another session expunged meanwhile are skipped and the
// command ends NO [EXPUNGEISSUED] (RFC 5530).
import type { CommandContext, CommandHandler, CommandResult } from '../command.ts';
import { no, ok } from '../command.ts';
import { MessageContent, UnknownTransferEncoding } from '../message-content.ts';
import type { FetchAttribute, FetchRequest } from '../proto/commands/fetch.ts';
import { normaliseRanges, type FetchItem } from '../proto/index.ts';
import type { ViewEntry } from '../selected.ts';

/** Messages whose records are read in one store round trip. */
const BATCH = 64;

const FROM_VIEW = new Set(['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'RFC822.SIZE']);

export const fetch: CommandHandler<FetchRequest> = async (ctx, request) => {
  const { session } = ctx;
  const view = session.view;
  const byUid = request.name === 'UID FETCH';
  const attributes = request.attributes;
  if (request.changedSince !== undefined || attributes.some((a) => a.kind === 'simple' && a.name === 'MODSEQ')) session.enabled.condstore = true;
  let indexes = session.resolve(request.set, byUid);
  if (request.changedSince !== undefined) {
    const since = request.changedSince;
    indexes = indexes.filter((index) => BigInt(view.entries[index]!.modSeq) > since);
  }
  if (request.vanished && request.set.kind === 'ranges') {
    // "*" reaches past the last message still here: it may itself have vanished.
    const ranges = normaliseRanges(request.set.ranges, 0xffff_ffff);
    const vanished = (await session.core.mailbox.vanishedSince(session.account.accountId, view.folderId, Number(request.changedSince ?? 0n))).filter((uid) =>
      ranges.some(([low, high]) => uid >= low && uid <= high),
    );
    if (vanished.length > 0) await ctx.send({ type: 'vanished', earlier: true, uids: vanished });
  }
  const needsRecord = attributes.some((a) => a.kind !== 'simple' || !FROM_VIEW.has(a.name));
  const setsSeen = !view.readOnly && attributes.some(marksSeen);
  let expungeIssued = false;
  for (let start = 0; start < indexes.length; start += BATCH) {
    const batch = indexes.slice(start, start + BATCH);
    const records = needsRecord ? await session.records(batch) : [];
    const flagsChanged = setsSeen
      ? await markSeen(
          ctx,
          batch,
          records.map((record) => record !== undefined),
        )
      : new Set<number>();
    for (let i = 0; i < batch.length; i++) {
      const index = batch[i]!;
      const entry = view.entries[index];
      const record = records[i];
      if (!entry || (needsRecord && !record)) {
        expungeIssued = true;
        continue;
      }
      const content = record ? new MessageContent(session, record) : undefined;
      const result = await fetchItems(ctx, entry, content, attributes, flagsChanged.has(entry.uid));
      if ('status' in result) return result;
      await ctx.send({ type: 'fetch', seq: index + 1, items: result });
    }
  }
  return expungeIssued ? no('Some of the requested messages no longer exist', { code: 'EXPUNGEISSUED' }) : ok('Fetch completed');
};

function marksSeen(attribute: FetchAttribute): boolean {
  if (attribute.kind === 'body' || attribute.kind === 'binary') return !attribute.peek;
  return attribute.kind === 'simple' && (attribute.name === 'RFC822' || attribute.name === 'RFC822.TEXT');
}

/** Sets \Seen on the batch's unseen messages; returns the UIDs whose flags changed. */
async function markSeen(ctx: CommandContext, batch: readonly number[], present: readonly boolean[]): Promise<Set<number>> {
  const { session } = ctx;
  const view = session.view;
  const uids = batch.filter((index, i) => present[i] !== false && !view.entries[index]!.flags.includes('\\Seen')).map((index) => view.entries[index]!.uid);
  if (uids.length === 0) return new Set();
  const result = await session.core.mailbox.setFlags(session.account.accountId, view.folderId, uids, { mode: 'add', flags: ['\\Seen'] });
  for (const update of result.updated) view.acknowledgeFlags(update.uid, update.flags, update.modSeq);
  return new Set(result.updated.map((update) => update.uid));
}

async function fetchItems(
  ctx: CommandContext,
  entry: ViewEntry,
  content: MessageContent | undefined,
  attributes: readonly FetchAttribute[],
  flagsChanged: boolean,
): Promise<FetchItem[] | CommandResult> {
  const { session } = ctx;
  const rev1 = !session.enabled.rev2;
  const flags = () => (entry.recent && rev1 ? [...entry.flags, '\\Recent'] : entry.flags);
  const items: FetchItem[] = [];
  for (const attribute of attributes) {
    if (attribute.kind === 'simple') {
      switch (attribute.name) {
        case 'UID':
          items.push({ item: 'UID', uid: entry.uid });
          break;
        case 'FLAGS':
          items.push({ item: 'FLAGS', flags: flags() });
          break;
        case 'MODSEQ':
          items.push({ item: 'MODSEQ', modSeq: BigInt(entry.modSeq) });
          break;
        case 'INTERNALDATE':
          items.push({ item: 'INTERNALDATE', timestamp: entry.internalDate });
          break;
        case 'RFC822.SIZE':
          items.push({ item: 'RFC822.SIZE', size: entry.size });
          break;
        case 'ENVELOPE':
          items.push({ item: 'ENVELOPE', value: await content!.envelope() });
          break;
        case 'BODY':
        case 'BODYSTRUCTURE':
          items.push({ item: attribute.name, value: await content!.bodyStructure(attribute.name === 'BODYSTRUCTURE') });
          break;
        case 'RFC822':
          items.push({ item: 'RFC822', data: await content!.section({ part: [], text: undefined, fields: [] }, undefined) });
          break;
        case 'RFC822.HEADER':
          items.push({ item: 'RFC822.HEADER', data: await content!.section({ part: [], text: 'HEADER', fields: [] }, undefined) });
          break;
        case 'RFC822.TEXT':
          items.push({ item: 'RFC822.TEXT', data: await content!.section({ part: [], text: 'TEXT', fields: [] }, undefined) });
          break;
      }
      continue;
    }
    try {
      if (attribute.kind === 'body') {
        const data = await content!.section(attribute.section, attribute.partial);
        items.push(
          attribute.partial
            ? { item: 'BODY[]', section: attribute.section, origin: attribute.partial.offset, data }
            : { item: 'BODY[]', section: attribute.section, data },
        );
      } else if (attribute.kind === 'binary') {
        const data = await content!.binary(attribute.part, attribute.partial);
        items.push(
          attribute.partial
            ? { item: 'BINARY[]', part: attribute.part, origin: attribute.partial.offset, data }
            : { item: 'BINARY[]', part: attribute.part, data },
        );
      } else {
        items.push({ item: 'BINARY.SIZE', part: attribute.part, size: await content!.binarySize(attribute.part) });
      }
    } catch (error) {
      if (error instanceof UnknownTransferEncoding) return no('Unknown content transfer encoding', { code: 'UNKNOWN-CTE' });
      throw error;
    }
  }
  // RFC 3501 6.4.5: a fetch that set \Seen reports the new flags.
  if (flagsChanged && !attributes.some((a) => a.kind === 'simple' && a.name === 'FLAGS')) items.push({ item: 'FLAGS', flags: flags() });
  if (session.enabled.condstore && flagsChanged && !attributes.some((a) => a.kind === 'simple' && a.name === 'MODSEQ')) {
    items.push({ item: 'MODSEQ', modSeq: BigInt(entry.modSeq) });
  }
  return items;
}
