// tag [UID SP] SORT SP sort-criteria SP search-criteria                 (RFC 5256)
// sort-criteria   = "(" sort-criterion *(SP sort-criterion) ")"
// sort-criterion  = ["REVERSE" SP] sort-key
// sort-key        = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"
//                 / "DISPLAYFROM" / "DISPLAYTO"                           (RFC 5957)
// search-criteria = charset 1*(SP search-key)
import { syntaxError } from '../errors.ts';
import { SELECTED, defineCommand } from './spec.ts';
import { readSearchProgram, type SearchProgram } from './search-keys.ts';

export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

const SORT_KEYS: ReadonlySet<string> = new Set<SortKey>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

export interface SortCriterion {
  readonly key: SortKey;
  readonly reverse: boolean;
}

export interface SortRequest extends SearchProgram {
  readonly name: 'SORT' | 'UID SORT';
  readonly sortBy: readonly SortCriterion[];
  readonly charset: string;
}

function define(name: SortRequest['name']) {
  return defineCommand<SortRequest>({
    name,
    grammar: `tag ${name} SP sort-criteria SP search-criteria`,
    states: SELECTED,
    usesSequenceNumbers: name === 'SORT',
    expunges: false,
    read(args) {
      const list = args.list('sort criteria');
      const sortBy: SortCriterion[] = [];
      do {
        const reverse = list.acceptKeyword('REVERSE');
        const key = list.keyword('sort key');
        if (!SORT_KEYS.has(key)) throw syntaxError('Unknown sort key');
        sortBy.push({ key: key as SortKey, reverse });
      } while (!list.atEnd());
      const program = readSearchProgram(args, true);
      return { name, sortBy, charset: program.charset!, criteria: program.criteria };
    },
  });
}

export const sortCommand = define('SORT');
export const uidSortCommand = define('UID SORT');
