// tag LSUB mailbox SP list-mailbox
// IMAP4rev1 only (RFC 9051 replaced it with LIST (SUBSCRIBED)); kept for old clients.
import { AUTHENTICATED, defineCommand } from './spec.ts';

export interface LsubRequest {
  readonly name: 'LSUB';
  readonly reference: string;
  readonly pattern: string;
}

export const lsubCommand = defineCommand<LsubRequest>({
  name: 'LSUB',
  grammar: 'tag LSUB mailbox SP list-mailbox',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const reference = args.listPattern('reference name');
    const pattern = args.listPattern();
    return { name: 'LSUB', reference, pattern };
  },
});
