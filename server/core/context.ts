// What every part of the mail core shares: the store, the crypto core, the account writer,
// the event bus, the clock and the limits. Built once by the composition root.
import type { SealpostCrypto } from '../../crypto/api.ts';
import type { Store } from '../store/types.ts';
import type { AccountWriter } from './account-writer.ts';
import type { PendingErasure } from './erasure.ts';
import type { MailEvents } from './events.ts';

export interface Clock {
  /** Milliseconds since the epoch. Tests inject a clock they can walk forward. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface CoreLimits {
  messageMaxBytes: number;
  mailboxQuotaBytes: number;
  addressesPerMailbox: number;
}

export interface CoreContext {
  store: Store;
  crypto: SealpostCrypto;
  writer: AccountWriter;
  events: MailEvents;
  /** Ranges of deleted records waiting to be compacted away (erasure.ts). */
  pendingErasure: PendingErasure;
  clock: Clock;
  limits: CoreLimits;
}
