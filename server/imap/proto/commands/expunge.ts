// tag EXPUNGE
// tag UID EXPUNGE SP sequence-set                                          (UIDPLUS, RFC 4315)
import type { SequenceSet } from '../seqset.ts';
import { SELECTED, defineBareCommand, defineCommand } from './spec.ts';

export type ExpungeRequest = { readonly name: 'EXPUNGE' };

export interface UidExpungeRequest {
  readonly name: 'UID EXPUNGE';
  /** Only messages with \Deleted and a UID in this set are expunged. */
  readonly set: SequenceSet;
}

export const expungeCommand = defineBareCommand('EXPUNGE', SELECTED, { expunges: true });

export const uidExpungeCommand = defineCommand<UidExpungeRequest>({
  name: 'UID EXPUNGE',
  grammar: 'tag UID EXPUNGE SP sequence-set',
  states: SELECTED,
  usesSequenceNumbers: false,
  expunges: true,
  read: (args) => ({ name: 'UID EXPUNGE', set: args.sequenceSet('UID set') }),
});
