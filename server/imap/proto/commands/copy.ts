// tag [UID SP] COPY SP sequence-set SP mailbox
import type { SequenceSet } from '../seqset.ts';
import { SELECTED, defineCommand } from './spec.ts';

export interface CopyRequest {
  readonly name: 'COPY' | 'UID COPY';
  readonly set: SequenceSet;
  readonly mailbox: string;
}

function define(name: CopyRequest['name']) {
  return defineCommand<CopyRequest>({
    name,
    grammar: `tag ${name} SP sequence-set SP mailbox`,
    states: SELECTED,
    usesSequenceNumbers: name === 'COPY',
    expunges: false,
    read(args) {
      const set = args.sequenceSet('sequence set');
      return { name, set, mailbox: args.mailbox() };
    },
  });
}

export const copyCommand = define('COPY');
export const uidCopyCommand = define('UID COPY');
