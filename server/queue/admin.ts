// What operators may do with the queue (`sealpost queue list | retry | delete`): see envelope
// and status, make an entry due now, remove one. Never content. The running server answers
// through its queue; with no server running, the CLI works on the spool directly.
import type { Clock } from '../core/context.ts';
import { QueueError, type OutboundRecipient, type OutboundSpool, type QueueEntry } from './spool.ts';

export interface QueueListing {
  id: string;
  from: string;
  size: number;
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  delivering: boolean;
  recipients: { address: string; status: OutboundRecipient['status']; lastResult: string | null }[];
}

export interface QueueAdmin {
  list(): Promise<QueueListing[]>;
  /** Makes the entry due now. */
  retry(id: string): Promise<void>;
  /** Removes the entry without a DSN. */
  delete(id: string): Promise<void>;
}

export function listingOf(entry: QueueEntry, delivering: boolean): QueueListing {
  return {
    id: entry.id,
    from: entry.envelope.from,
    size: entry.size,
    createdAt: entry.createdAt,
    nextAttemptAt: entry.nextAttemptAt,
    attempts: entry.attempts,
    delivering,
    recipients: entry.envelope.recipients.map((recipient) => ({
      address: recipient.address,
      status: recipient.status,
      lastResult: recipient.diagnostic ?? null,
    })),
  };
}

/** The queue as the CLI sees it when no server runs: changes take effect at the next start. */
export function offlineQueueAdmin(spool: OutboundSpool, clock: Clock): QueueAdmin {
  const load = async (id: string) => {
    const entry = await spool.load(id);
    if (!entry) throw new QueueError('QUEUE_ENTRY_NONEXISTENT', `no queue entry ${id}`);
    return entry;
  };
  return {
    list: async () => (await spool.list()).map((entry) => listingOf(entry, false)),
    retry: async (id) => {
      const entry = await load(id);
      entry.nextAttemptAt = clock.now();
      await spool.save(entry);
    },
    delete: async (id) => spool.remove(await load(id)),
  };
}
