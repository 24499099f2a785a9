// tag SUBSCRIBE mailbox
// tag UNSUBSCRIBE mailbox
import { AUTHENTICATED, defineCommand } from './spec.ts';

export interface SubscribeRequest {
  readonly name: 'SUBSCRIBE' | 'UNSUBSCRIBE';
  readonly mailbox: string;
}

function define(name: SubscribeRequest['name']) {
  return defineCommand<SubscribeRequest>({
    name,
    grammar: `tag ${name} mailbox`,
    states: AUTHENTICATED,
    usesSequenceNumbers: false,
    expunges: false,
    read: (args) => ({ name, mailbox: args.mailbox() }),
  });
}

export const subscribeCommand = define('SUBSCRIBE');
export const unsubscribeCommand = define('UNSUBSCRIBE');
