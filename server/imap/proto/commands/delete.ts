// tag DELETE mailbox
import { AUTHENTICATED, defineCommand } from './spec.ts';

export interface DeleteRequest {
  readonly name: 'DELETE';
  readonly mailbox: string;
}

export const deleteCommand = defineCommand<DeleteRequest>({
  name: 'DELETE',
  grammar: 'tag DELETE mailbox',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read: (args) => ({ name: 'DELETE', mailbox: args.mailbox() }),
});
