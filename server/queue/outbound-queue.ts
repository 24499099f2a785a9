// The outbound queue: schedules attempts for spooled messages, hands each destination domain
// to the dispatcher, records every outcome (delivery log and queue record, in one durable
// batch), retries what failed temporarily with backoff until outbound retry days have passed,
// tells the sender about failures and long delays with a DSN in their Inbox, and removes an
// entry once every recipient has a final outcome.
//
// Delivery is at-least-once: an outcome is recorded right after the remote server's reply,
// so a crash in between (a window of one fsync) makes the next attempt send that message
// again, with the same bytes and Message-ID (RFC 5321 section 6.1 accepts such duplicates;
// receivers that deduplicate by Message-ID hide them). DSNs are at-least-once likewise.
import { Readable } from 'node:stream';
import type { MailCore } from '../core/mail-core.ts';
import { splitAddress } from '../core/addresses.ts';
import type { DkimKey } from '../dkim/keys.ts';
import { startDkimSignature, type StreamingDkimSigner } from '../dkim/sign.ts';
import type { Logger } from '../log.ts';
import type { DeliveryDispatcher, RecipientOutcome } from '../outbound/dispatcher.ts';
import { listingOf, type QueueAdmin, type QueueListing } from './admin.ts';
import { buildDsn, type DsnRecipient } from './dsn.ts';
import { retryDelayMs, type RetryPolicy } from './retry-schedule.ts';
import { QueueError, type OutboundRecipient, type OutboundSpool, type QueueEntry } from './spool.ts';

export interface QueueSettings extends RetryPolicy {
  hostname: string;
  retryDays: number;
  delayNoticeHours: number;
}

export interface OutboundQueueOptions {
  core: MailCore;
  spool: OutboundSpool;
  dispatcher: DeliveryDispatcher;
  settings: QueueSettings;
  logger: Logger;
}

/** The DKIM key of the From domain and the signature time; null sends unsigned. */
export type DkimSigning = { key: DkimKey; signTime: Date } | null;

export interface NewOutboundMessage {
  /** Who handed it over (the sending service's source tag), for the delivery log. */
  source: string;
  /** Envelope sender; '' for the null sender. */
  from: string;
  senderAccountId: string | null;
  messageId: string | null;
  recipients: string[];
}

/** Receives one message into the queue while it streams in (and DKIM-signs it). */
export interface OutboundMessageWriter {
  readonly id: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Durable (fsync) when it resolves; the entry is scheduled at once. */
  commit(message: NewOutboundMessage): Promise<QueueEntry>;
  abort(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The timer looks at the schedule at least this often, so a clock that jumps (or a test
 * clock walked forward) is noticed within a minute. */
const MAX_TIMER_MS = 60_000;
/** Entries attempted at once: bounds the decrypted envelopes waiting for a connection. */
const MAX_ATTEMPTS_IN_FLIGHT = 500;
/** How much of the original message a DSN quotes: the header section, cut here. */
const DSN_HEADER_LIMIT = 64 * 1024;

export class OutboundQueue implements QueueAdmin {
  readonly #core: MailCore;
  readonly #spool: OutboundSpool;
  readonly #dispatcher: DeliveryDispatcher;
  readonly #settings: QueueSettings;
  readonly #logger: Logger;
  /** id → next attempt time; clear scheduling data only. */
  readonly #schedule = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<void>>();
  /** No entry that waits (is not in flight) is due before this: completions of attempts
   * then cost no scan of a long deferred queue. */
  #earliestWaiting = Infinity;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #stopListening: () => void = () => undefined;

  constructor(options: OutboundQueueOptions) {
    this.#core = options.core;
    this.#spool = options.spool;
    this.#dispatcher = options.dispatcher;
    this.#settings = options.settings;
    this.#logger = options.logger;
  }

  async start(): Promise<void> {
    // Deleted means deleted (docs/design.md promise 8): a deleted account's queued mail is
    // erased at once, not at its next attempt.
    this.#stopListening = this.#core.events.subscribeAll((event) => {
      if (event.type !== 'account-deleted') return;
      this.#eraseQueuedMailOf(event.accountId).catch((error: unknown) =>
        this.#logger.error({ err: error }, "outbound: erasing a deleted account's queued mail failed"),
      );
    });
    for (const { id, nextAttemptAt } of await this.#spool.schedule()) this.#plan(id, nextAttemptAt);
    if (this.#schedule.size > 0) this.#logger.info({ entries: this.#schedule.size }, 'outbound: queue loaded');
    this.#startDue();
  }

  openWriter(signing: DkimSigning): OutboundMessageWriter {
    const spoolWriter = this.#spool.create();
    let signer: StreamingDkimSigner | null = signing ? startDkimSignature(signing.key, signing.signTime) : null;
    return {
      id: spoolWriter.id,
      write: async (chunk) => {
        await spoolWriter.write(chunk);
        await signer?.write(chunk);
      },
      commit: async (message) => {
        let dkimSignature = '';
        if (signer) {
          try {
            dkimSignature = await signer.finish();
          } catch (error) {
            // Sent unsigned rather than refused: the message matters more than its signature.
            this.#logger.error({ err: error }, 'outbound: DKIM signing failed; the message goes unsigned');
          }
          signer = null;
        }
        const entry = await spoolWriter.commit({
          source: message.source,
          from: message.from,
          senderAccountId: message.senderAccountId,
          messageId: message.messageId,
          recipients: message.recipients.map((address) => ({ address, status: 'pending' })),
          dkimSignature,
        });
        this.#plan(entry.id, entry.nextAttemptAt);
        this.#startDue();
        return entry;
      },
      abort: async () => {
        signer?.abort();
        signer = null;
        await spoolWriter.abort();
      },
    };
  }

  /** Queues a message already in memory: durable when it resolves. */
  async enqueue(message: NewOutboundMessage, content: AsyncIterable<Uint8Array>, signing: DkimSigning): Promise<QueueEntry> {
    const writer = this.openWriter(signing);
    try {
      for await (const chunk of content) await writer.write(chunk);
      return await writer.commit(message);
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  /** Starts every due attempt and resolves when those have finished (tests walk the clock
   * and call this). */
  async runDue(): Promise<void> {
    this.#startDue();
    await Promise.all(this.#inFlight.values());
  }

  /** Resolves once no attempt is running. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight.values());
  }

  async list(): Promise<QueueListing[]> {
    return (await this.#spool.list()).map((entry) => listingOf(entry, this.#inFlight.has(entry.id)));
  }

  async retry(id: string): Promise<void> {
    if (this.#inFlight.has(id)) return;
    const entry = await this.#spool.load(id);
    if (!entry) throw new QueueError('QUEUE_ENTRY_NONEXISTENT', `no queue entry ${id}`);
    entry.nextAttemptAt = this.#core.clock.now();
    await this.#spool.save(entry);
    this.#plan(id, entry.nextAttemptAt);
    this.#startDue();
  }

  async delete(id: string): Promise<void> {
    if (this.#inFlight.has(id)) throw new QueueError('QUEUE_ENTRY_BUSY', `queue entry ${id} is being delivered right now; try again in a moment`);
    // Off the schedule first, so that no attempt starts while the entry is being removed.
    const due = this.#schedule.get(id);
    this.#schedule.delete(id);
    const entry = await this.#spool.load(id);
    if (!entry) throw new QueueError('QUEUE_ENTRY_NONEXISTENT', `no queue entry ${id}`);
    try {
      await this.#spool.remove(entry);
    } catch (error) {
      if (due !== undefined) this.#plan(id, due);
      throw error;
    }
    this.#logger.info({ queueId: id }, 'outbound: entry deleted by the operator');
  }

  /** Entries in flight are left to their attempt, which finds the sender gone. */
  async #eraseQueuedMailOf(accountId: string): Promise<void> {
    let erased = 0;
    for (const entry of await this.#spool.list()) {
      if (entry.envelope.senderAccountId !== accountId || this.#inFlight.has(entry.id)) continue;
      this.#schedule.delete(entry.id);
      await this.#spool.remove(entry);
      erased++;
    }
    if (erased > 0) this.#logger.info({ entries: erased }, 'outbound: queued mail of a deleted account erased');
  }

  /** Stops attempts; what was in flight is recorded as it was before (retried after restart). */
  async close(): Promise<void> {
    this.#stopListening();
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#dispatcher.close();
    await Promise.all(this.#inFlight.values());
  }

  #plan(id: string, due: number): void {
    this.#schedule.set(id, due);
    if (due < this.#earliestWaiting) {
      this.#earliestWaiting = due;
      this.#arm();
    }
  }

  #startDue(): void {
    if (this.#closed) return;
    const now = this.#core.clock.now();
    if (now < this.#earliestWaiting) {
      this.#arm();
      return;
    }
    let earliest = Infinity;
    for (const [id, due] of this.#schedule) {
      if (this.#inFlight.has(id)) continue;
      if (due > now || this.#inFlight.size >= MAX_ATTEMPTS_IN_FLIGHT) {
        earliest = Math.min(earliest, due);
        continue;
      }
      const attempt = this.#attempt(id)
        .catch((error: unknown) => {
          // The store failed us: try again after the shortest wait rather than in a hot loop.
          this.#logger.error({ err: error, queueId: id }, 'outbound: attempt failed');
          if (this.#schedule.has(id)) this.#plan(id, this.#core.clock.now() + retryDelayMs(1, this.#settings));
        })
        .finally(() => {
          this.#inFlight.delete(id);
          this.#startDue();
        });
      this.#inFlight.set(id, attempt);
    }
    this.#earliestWaiting = earliest;
    this.#arm();
  }

  /** A timer for the earliest waiting entry; none while the in-flight limit is reached
   * (each finished attempt looks again). */
  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#closed || this.#earliestWaiting === Infinity || this.#inFlight.size >= MAX_ATTEMPTS_IN_FLIGHT) return;
    const delay = Math.min(Math.max(this.#earliestWaiting - this.#core.clock.now(), 0), MAX_TIMER_MS);
    this.#timer = setTimeout(() => this.#startDue(), delay);
    this.#timer.unref();
  }

  async #attempt(id: string): Promise<void> {
    const entry = await this.#spool.load(id);
    if (!entry) {
      this.#schedule.delete(id);
      return;
    }
    const sender = entry.envelope.senderAccountId;
    if (sender && !(await this.#core.accounts.exists(sender))) {
      // Deleted means deleted (docs/design.md promise 8): mail still queued for an account that
      // no longer exists is erased, not sent.
      this.#schedule.delete(id);
      await this.#spool.remove(entry);
      this.#logger.info({ queueId: id }, 'outbound: the sender account was deleted; entry erased');
      return;
    }
    const byDomain = new Map<string, OutboundRecipient[]>();
    for (const recipient of entry.envelope.recipients) {
      if (recipient.status !== 'pending') continue;
      const domain = splitAddress(recipient.address)?.domain ?? '';
      byDomain.set(domain, [...(byDomain.get(domain) ?? []), recipient]);
    }
    let writes = Promise.resolve();
    let recordDeleted = false;
    const signatureBytes = Buffer.byteLength(entry.envelope.dkimSignature);
    await Promise.all(
      [...byDomain].map(async ([domain, recipients]) => {
        const outcomes = await this.#dispatcher.deliver({
          domain,
          from: entry.envelope.from,
          recipients: recipients.map((recipient) => recipient.address),
          size: entry.size + signatureBytes,
          content: () => Readable.from(this.#spool.openContent(entry)),
        });
        if (this.#closed) return;
        const now = this.#core.clock.now();
        for (const outcome of outcomes) applyOutcome(entry, outcome, now);
        // Recorded as soon as this domain answered, serialised per entry: the window in
        // which a crash causes a duplicate is one durable write. Once every recipient has
        // its message, the same write deletes the entry (the common case: one fsync).
        writes = writes.then(async () => {
          const allDelivered = entry.envelope.recipients.every((recipient) => recipient.status === 'delivered');
          await this.#record(entry, domain, outcomes, now, allDelivered);
          recordDeleted = allDelivered;
        });
        await writes;
      }),
    );
    if (this.#closed) return;
    await this.#finishAttempt(entry, recordDeleted);
  }

  async #record(entry: QueueEntry, domain: string, outcomes: RecipientOutcome[], now: number, deleteEntry: boolean): Promise<void> {
    const { senderAccountId, from, source } = entry.envelope;
    if (!senderAccountId) return deleteEntry ? this.#spool.delete(entry) : this.#spool.save(entry);
    await this.#core.deliveryLog.recordSent(
      senderAccountId,
      outcomes.map((outcome) => ({
        address: from,
        time: now,
        size: entry.size,
        remote: outcome.remote,
        status: logStatus(outcome),
        source: source ?? 'submission',
        recipientDomain: domain,
      })),
      [deleteEntry ? this.#spool.deleteOperation(entry) : this.#spool.saveOperation(entry)],
    );
  }

  async #finishAttempt(entry: QueueEntry, recordDeleted: boolean): Promise<void> {
    const settings = this.#settings;
    const now = this.#core.clock.now();
    entry.attempts += 1;
    if (recordDeleted) {
      this.#schedule.delete(entry.id);
      await this.#spool.discardContent(entry);
      this.#logger.info({ queueId: entry.id, delivered: entry.envelope.recipients.length, attempts: entry.attempts }, 'outbound: entry done');
      return;
    }
    const giveUpAt = entry.createdAt + settings.retryDays * DAY_MS;
    let pending = entry.envelope.recipients.filter((recipient) => recipient.status === 'pending');
    if (pending.length > 0 && now >= giveUpAt) {
      for (const recipient of pending) {
        recipient.status = 'failed';
        recipient.enhancedStatus = '4.4.7';
        recipient.diagnostic = `delivery time expired after ${settings.retryDays} days; last attempt: ${recipient.diagnostic ?? 'none'}`;
      }
      pending = [];
    }
    const unreported = entry.envelope.recipients.filter((recipient) => recipient.status === 'failed' && !recipient.reported);
    if (unreported.length > 0) {
      await this.#notifySender(entry, 'failed', unreported, now);
      for (const recipient of unreported) recipient.reported = true;
    }
    if (pending.length === 0) {
      this.#schedule.delete(entry.id);
      await this.#spool.remove(entry);
      const delivered = entry.envelope.recipients.filter((recipient) => recipient.status === 'delivered').length;
      this.#logger.info(
        { queueId: entry.id, delivered, failed: entry.envelope.recipients.length - delivered, attempts: entry.attempts },
        'outbound: entry done',
      );
      return;
    }
    if (!entry.envelope.delayNoticeSent && now >= entry.createdAt + settings.delayNoticeHours * HOUR_MS) {
      await this.#notifySender(entry, 'delayed', pending, now, giveUpAt);
      entry.envelope.delayNoticeSent = true;
    }
    // The last attempt happens when the retry window closes, not a backoff step after it.
    entry.nextAttemptAt = Math.min(now + retryDelayMs(entry.attempts, settings), Math.max(giveUpAt, now));
    await this.#spool.save(entry);
    this.#plan(entry.id, entry.nextAttemptAt);
    this.#logger.info(
      { queueId: entry.id, pending: pending.length, attempts: entry.attempts, retryInSeconds: Math.round((entry.nextAttemptAt - now) / 1000) },
      'outbound: deferred',
    );
  }

  /** A DSN into the sender's Inbox; never for the null sender (no DSN about a DSN). */
  async #notifySender(entry: QueueEntry, action: 'failed' | 'delayed', recipients: OutboundRecipient[], now: number, retryUntil?: number): Promise<void> {
    const { from, senderAccountId } = entry.envelope;
    if (!from || !senderAccountId) return;
    const dsnRecipients: DsnRecipient[] = recipients.map((recipient) => ({
      address: recipient.address,
      status: recipient.enhancedStatus ?? (action === 'failed' ? '5.0.0' : '4.0.0'),
      diagnostic: recipient.diagnostic ?? 'no attempt has been made yet',
      remoteReply: recipient.remoteReply ?? null,
      remoteMta: recipient.remoteMta ?? null,
      lastAttemptAt: recipient.lastAttemptAt ?? null,
    }));
    const dsn = buildDsn({
      action,
      reportingMta: this.#settings.hostname,
      sender: from,
      queueId: entry.id,
      arrivalDate: entry.createdAt,
      now,
      recipients: dsnRecipients,
      originalHeaders: await this.#spool.readHeaderSection(entry, DSN_HEADER_LIMIT),
      originalMessageId: entry.envelope.messageId,
      retryUntil,
    });
    try {
      await this.#core.ingest.deliver({ source: 'system', recipients: [{ accountId: senderAccountId, address: from }], content: single(dsn) });
    } catch (error) {
      // A full mailbox or a deleted account: the DSN has nowhere to go.
      this.#logger.warn({ queueId: entry.id, code: (error as { code?: string }).code }, 'outbound: a DSN could not be stored');
    }
  }
}

function applyOutcome(entry: QueueEntry, outcome: RecipientOutcome, now: number): void {
  const recipient = entry.envelope.recipients.find((candidate) => candidate.address === outcome.recipient && candidate.status === 'pending');
  if (!recipient) return;
  recipient.status = outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'permanent' ? 'failed' : 'pending';
  recipient.enhancedStatus = outcome.status;
  recipient.diagnostic = outcome.diagnostic;
  recipient.remoteReply = outcome.remoteReply;
  recipient.remoteMta = outcome.remoteMta;
  recipient.lastAttemptAt = now;
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function logStatus(outcome: RecipientOutcome): string {
  const word = outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'permanent' ? 'bounced' : 'deferred';
  return `${word}${outcome.tls ? ' (TLS)' : ''}: ${outcome.remoteReply ?? outcome.diagnostic}`;
}
