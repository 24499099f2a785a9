// tag RENAME mailbox SP mailbox
// Renaming INBOX moves its messages to the new mailbox and leaves INBOX empty (RFC 3501 6.3.5).
import { AUTHENTICATED, defineCommand } from './spec.ts';

export interface RenameRequest {
  readonly name: 'RENAME';
  readonly from: string;
  readonly to: string;
}

export const renameCommand = defineCommand<RenameRequest>({
  name: 'RENAME',
  grammar: 'tag RENAME mailbox SP mailbox',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const from = args.mailbox('existing mailbox name');
    const to = args.mailbox('new mailbox name');
    return { name: 'RENAME', from, to };
  },
});
