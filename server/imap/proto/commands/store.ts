// tag [UID SP] STORE SP sequence-set [SP store-modifiers] SP store-att-flags
// store-modifiers = "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"          (RFC 7162 3.1.3)
// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
import { syntaxError } from '../errors.ts';
import type { SequenceSet } from '../seqset.ts';
import { SELECTED, defineCommand } from './spec.ts';

export interface StoreRequest {
  readonly name: 'STORE' | 'UID STORE';
  readonly set: SequenceSet;
  /** CONDSTORE: change only messages whose mod-sequence is not above this. */
  readonly unchangedSince: bigint | undefined;
  /** FLAGS replaces, +FLAGS adds, -FLAGS removes. */
  readonly operation: 'replace' | 'add' | 'remove';
  /** .SILENT: no untagged FETCH with the new flags (except for CONDSTORE's rules). */
  readonly silent: boolean;
  readonly flags: readonly string[];
}

const OPERATIONS: Readonly<Record<string, readonly [StoreRequest['operation'], boolean]>> = {
  FLAGS: ['replace', false],
  'FLAGS.SILENT': ['replace', true],
  '+FLAGS': ['add', false],
  '+FLAGS.SILENT': ['add', true],
  '-FLAGS': ['remove', false],
  '-FLAGS.SILENT': ['remove', true],
};

function define(name: StoreRequest['name']) {
  return defineCommand<StoreRequest>({
    name,
    grammar: `tag ${name} SP sequence-set [SP store-modifiers] SP store-att-flags`,
    states: SELECTED,
    usesSequenceNumbers: name === 'STORE',
    expunges: false,
    read(args) {
      const set = args.sequenceSet('sequence set');
      let unchangedSince: bigint | undefined;
      const modifiers = args.optionalList('store modifiers');
      while (modifiers !== undefined && !modifiers.atEnd()) {
        if (modifiers.keyword('store modifier') !== 'UNCHANGEDSINCE' || unchangedSince !== undefined) {
          throw syntaxError('Unknown or repeated STORE modifier');
        }
        unchangedSince = modifiers.modSequence('mod-sequence');
      }
      const operation = OPERATIONS[args.keyword('store operation')];
      if (operation === undefined) throw syntaxError('Expected FLAGS, +FLAGS or -FLAGS');
      const flags: string[] = [];
      if (args.peek()?.kind === 'list') {
        flags.push(...args.flagList());
      } else {
        do flags.push(args.flag());
        while (!args.atEnd());
      }
      return { name, set, unchangedSince, operation: operation[0], silent: operation[1], flags };
    },
  });
}

export const storeCommand = define('STORE');
export const uidStoreCommand = define('UID STORE');
