// What the web client's "send" needs for recipients on other servers: take a message and
// its envelope and resolve once it is durably queued. queueSubmitter adapts the outbound
// queue (server/queue/outbound-queue.ts) to it, DKIM-signing as submission does; without a
// queue, remote recipients are refused with REMOTE_DELIVERY_UNAVAILABLE and nothing is lost
// silently.
import type { Clock } from '../core/context.ts';
import { splitAddress } from '../core/addresses.ts';
import type { DkimKeyring } from '../dkim/keys.ts';
import type { OutboundQueue } from '../queue/outbound-queue.ts';

export interface OutboundMessage {
  accountId: string;
  /** Envelope sender: one of the account's addresses (checked before this is called). */
  from: string;
  recipients: string[];
  messageId: string | null;
  /** The plaintext message as the browser built it, with our Received header in front. */
  content: Uint8Array;
}

export interface OutboundSubmitter {
  submit(message: OutboundMessage): Promise<void>;
}

export function queueSubmitter(queue: OutboundQueue, dkim: DkimKeyring, clock: Clock): OutboundSubmitter {
  return {
    async submit(message) {
      const key = await dkim.forDomain(splitAddress(message.from)!.domain);
      await queue.enqueue(
        { from: message.from, senderAccountId: message.accountId, messageId: message.messageId, recipients: message.recipients },
        (async function* () {
          yield message.content;
        })(),
        key ? { key, signTime: new Date(clock.now()) } : null,
      );
    },
  };
}
