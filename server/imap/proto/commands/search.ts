// tag [UID SP] SEARCH [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"]
//                     SP search-program
// search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE"       (ESEARCH RFC 4731, SEARCHRES RFC 5182)
// Without RETURN the answer is a classic "* SEARCH"; with it, "* ESEARCH". RETURN () means ALL.
import type { ArgReader } from '../args.ts';
import { syntaxError } from '../errors.ts';
import { SELECTED, defineCommand } from './spec.ts';
import { readSearchProgram, type SearchProgram } from './search-keys.ts';

export interface SearchReturnOptions {
  readonly min: boolean;
  readonly max: boolean;
  readonly all: boolean;
  readonly count: boolean;
  /** Keep the result for "$" (SEARCHRES). */
  readonly save: boolean;
}

export interface SearchRequest extends SearchProgram {
  readonly name: 'SEARCH' | 'UID SEARCH';
  /** undefined: no RETURN, answer with "* SEARCH". */
  readonly returnOptions: SearchReturnOptions | undefined;
}

/** RETURN (...) when present, else undefined. */
function readSearchReturn(args: ArgReader): SearchReturnOptions | undefined {
  if (args.peekKeyword() !== 'RETURN') return undefined;
  args.next('RETURN');
  const list = args.list('return options');
  const seen = new Set<string>();
  while (!list.atEnd()) {
    const option = list.keyword('return option');
    if (!['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE'].includes(option)) throw syntaxError('Unknown search return option');
    seen.add(option);
  }
  if (seen.size === 0) seen.add('ALL');
  return {
    min: seen.has('MIN'),
    max: seen.has('MAX'),
    all: seen.has('ALL'),
    count: seen.has('COUNT'),
    save: seen.has('SAVE'),
  };
}

function define(name: SearchRequest['name']) {
  return defineCommand<SearchRequest>({
    name,
    grammar: `tag ${name} [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"] SP search-program`,
    states: SELECTED,
    usesSequenceNumbers: name === 'SEARCH',
    expunges: false,
    read(args) {
      const returnOptions = readSearchReturn(args);
      return { name, returnOptions, ...readSearchProgram(args, false) };
    },
  });
}

export const searchCommand = define('SEARCH');
export const uidSearchCommand = define('UID SEARCH');
