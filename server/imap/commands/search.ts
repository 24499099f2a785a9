// tag [UID SP] SEARCH [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"]
//                     SP ["CHARSET" SP charset SP] search-key *(SP search-key)
// Classic "* SEARCH" for IMAP4rev1 without RETURN; "* ESEARCH" (RFC 4731) with RETURN or
// under IMAP4rev2. SAVE keeps the result for "$" (SEARCHRES, RFC 5182): with only MIN/MAX
// it keeps just those.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import type { SearchRequest } from '../proto/commands/search.ts';
import { hasModSeqKey, search as runSearch } from '../search.ts';

export const search: CommandHandler<SearchRequest> = async (ctx, request) => {
  const { session, tag } = ctx;
  const view = session.view;
  const byUid = request.name === 'UID SEARCH';
  const withModSeq = hasModSeqKey(request.criteria);
  if (withModSeq) session.enabled.condstore = true;
  const indexes = await runSearch(session, request.criteria);
  const entries = indexes.map((index) => view.entries[index]!);
  const numbers = byUid ? entries.map((entry) => entry.uid) : indexes.map((index) => index + 1);
  const modSeq = withModSeq && entries.length > 0 ? BigInt(Math.max(...entries.map((entry) => entry.modSeq))) : undefined;
  const options = request.returnOptions ?? (session.enabled.rev2 ? { min: false, max: false, all: true, count: false, save: false } : undefined);
  if (!options) {
    await ctx.send(modSeq === undefined ? { type: 'search', numbers } : { type: 'search', numbers, modSeq });
    return ok('Search completed');
  }
  if (options.save) {
    const onlyExtremes = (options.min || options.max) && !options.all && !options.count;
    const uids = entries.map((entry) => entry.uid);
    session.savedSearch =
      onlyExtremes && uids.length > 0 ? [...new Set([...(options.min ? [uids[0]!] : []), ...(options.max ? [uids[uids.length - 1]!] : [])])] : uids;
  }
  const reported = options.min || options.max || options.all || options.count;
  if (reported || !options.save) {
    await ctx.send({
      type: 'esearch',
      tag,
      uid: byUid,
      ...(options.min && numbers.length > 0 ? { min: numbers[0]! } : {}),
      ...(options.max && numbers.length > 0 ? { max: numbers[numbers.length - 1]! } : {}),
      ...(options.all ? { all: numbers } : {}),
      ...(options.count ? { count: numbers.length } : {}),
      ...(modSeq !== undefined ? { modSeq } : {}),
    });
  }
  return ok('Search completed');
};
