// Per-account sending limits against abuse of a hijacked account: messages per hour and
// recipients per day, over sliding windows, shared by submission and the web client's send
// (one budget, whichever way a message goes out). Counted in memory (a restart forgets them, which
// costs at most one window's worth); nothing here involves a client address.
import type { Clock } from './context.ts';

export interface SendingLimitSettings {
  sendMessagesPerHour: number;
  sendRecipientsPerDay: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Idle accounts are forgotten when the map grows past this many. */
const SWEEP_THRESHOLD = 10_000;

interface Usage {
  /** Times of accepted messages within the last hour. */
  messages: number[];
  /** [time, recipients] of accepted messages within the last day. */
  recipients: [number, number][];
}

export class SendingLimits {
  readonly #clock: Clock;
  readonly #settings: SendingLimitSettings;
  readonly #usage = new Map<string, Usage>();

  constructor(clock: Clock, settings: SendingLimitSettings) {
    this.#clock = clock;
    this.#settings = settings;
  }

  /** Null when another message may be sent now; else why not. */
  messageRefusal(accountId: string): string | null {
    const usage = this.#current(accountId);
    if (usage.messages.length >= this.#settings.sendMessagesPerHour) {
      return `Sending limit reached: at most ${this.#settings.sendMessagesPerHour} messages per hour; try again later`;
    }
    return null;
  }

  /** Null when a message with this many recipients (counting the one being added) may go. */
  recipientRefusal(accountId: string, recipients: number): string | null {
    const usage = this.#current(accountId);
    const used = usage.recipients.reduce((sum, [, count]) => sum + count, 0);
    if (used + recipients > this.#settings.sendRecipientsPerDay) {
      return `Sending limit reached: at most ${this.#settings.sendRecipientsPerDay} recipients per day; try again later`;
    }
    return null;
  }

  record(accountId: string, recipients: number): void {
    const now = this.#clock.now();
    const usage = this.#current(accountId);
    usage.messages.push(now);
    usage.recipients.push([now, recipients]);
    if (this.#usage.size > SWEEP_THRESHOLD) {
      for (const [id, entry] of this.#usage) {
        if (entry.recipients.every(([time]) => now - time >= DAY_MS)) this.#usage.delete(id);
      }
    }
  }

  #current(accountId: string): Usage {
    const now = this.#clock.now();
    let usage = this.#usage.get(accountId);
    if (!usage) {
      usage = { messages: [], recipients: [] };
      this.#usage.set(accountId, usage);
    }
    usage.messages = usage.messages.filter((time) => now - time < HOUR_MS);
    usage.recipients = usage.recipients.filter(([time]) => now - time < DAY_MS);
    return usage;
  }
}
