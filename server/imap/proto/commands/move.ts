// tag [UID SP] MOVE SP sequence-set SP mailbox                             (RFC 6851)
// MOVE expunges the moved messages from the selected mailbox, so it renumbers messages.
import type { SequenceSet } from '../seqset.ts';
import { SELECTED, defineCommand } from './spec.ts';

export interface MoveRequest {
  readonly name: 'MOVE' | 'UID MOVE';
  readonly set: SequenceSet;
  readonly mailbox: string;
}

function define(name: MoveRequest['name']) {
  return defineCommand<MoveRequest>({
    name,
    grammar: `tag ${name} SP sequence-set SP mailbox`,
    states: SELECTED,
    usesSequenceNumbers: name === 'MOVE',
    expunges: true,
    read(args) {
      const set = args.sequenceSet('sequence set');
      return { name, set, mailbox: args.mailbox() };
    },
  });
}

export const moveCommand = define('MOVE');
export const uidMoveCommand = define('UID MOVE');
