// Whose mail may load remote content without asking (issue 12, item 10). "Always load from
// this sender" names a From address, which anyone can write; so it is honoured, and offered,
// only for a message whose single From our own server vouched for: DMARC passed at our MX
// (SPF or DKIM aligned with that very domain), or an account here sent it through us.
import type { ParsedMessage } from './worker/protocol.ts';

/** The From address when the message proves it, else null. */
export function verifiedSender(message: Pick<ParsedMessage, 'from' | 'authentication' | 'localSender'>): string | null {
  if (message.from.length !== 1) return null;
  const sender = message.from[0]!.address.toLowerCase();
  if (message.localSender) return message.localSender === sender ? sender : null;
  return message.authentication?.dmarc === 'pass' ? sender : null;
}

/** Whether the message loads remote content for a sender on the user's list. */
export function trustsRemoteContent(message: Pick<ParsedMessage, 'from' | 'authentication' | 'localSender'>, trustedSenders: readonly string[]): boolean {
  const sender = verifiedSender(message);
  return sender !== null && trustedSenders.includes(sender);
}
