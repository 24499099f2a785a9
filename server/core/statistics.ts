// Anonymous statistics: totals per UTC day and totals since this process started (for
// /metrics). Nothing here names a mailbox, an address or a client: a counter is a name
// and a number. Counts are gathered in memory and written at most once a second through
// one writer queue, so a burst of deliveries costs one small write, not one per message.
import { utcDay, type Day } from './calendar.ts';
import type { CoreContext } from './context.ts';
import { END, keys } from './keys.ts';
import { decodeRecord, encodeRecord } from './records.ts';

export const DAILY_COUNTERS = ['messagesIn', 'messagesOut', 'spamRejected', 'spamJunked', 'signups', 'topUps', 'accountsDeleted'] as const;
export type DailyCounter = (typeof DAILY_COUNTERS)[number];

export type DailyTotals = { day: Day } & Record<DailyCounter, number>;

/** Counts of a day written so far wait at most this long in memory. */
const FLUSH_DELAY_MS = 1000;
const STATS_QUEUE = 'statistics';

export class Statistics {
  readonly #context: CoreContext;
  /** Not yet written, by day. */
  #pending = new Map<Day, Partial<Record<DailyCounter, number>>>();
  readonly #sinceStart = Object.fromEntries(DAILY_COUNTERS.map((counter) => [counter, 0])) as Record<DailyCounter, number>;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(context: CoreContext) {
    this.#context = context;
  }

  count(counter: DailyCounter, amount = 1): void {
    const day = utcDay(this.#context.clock.now());
    const pending = this.#pending.get(day) ?? {};
    pending[counter] = (pending[counter] ?? 0) + amount;
    this.#pending.set(day, pending);
    this.#sinceStart[counter] += amount;
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush().catch(() => undefined), FLUSH_DELAY_MS);
      this.#timer.unref();
    }
  }

  /** Counts since this process started, for Prometheus counters. */
  sinceStart(): Readonly<Record<DailyCounter, number>> {
    return { ...this.#sinceStart };
  }

  /** Writes what is pending; call before the store closes. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    this.#pending = new Map();
    const previous = this.#flushing;
    this.#flushing = (async () => {
      await previous.catch(() => undefined);
      if (pending.size === 0) return;
      await this.#context.writer.run(STATS_QUEUE, async (txn) => {
        for (const [day, counts] of pending) {
          const value = await txn.get(keys.dailyStats(day));
          const totals = value ? decodeRecord<Partial<Record<DailyCounter, number>>>(value) : {};
          for (const [counter, amount] of Object.entries(counts) as [DailyCounter, number][]) totals[counter] = (totals[counter] ?? 0) + amount;
          txn.put(keys.dailyStats(day), encodeRecord(totals));
        }
      });
    })();
    return this.#flushing;
  }

  /** Daily totals from `fromDay` on (every stored day without it), oldest first. */
  async daily(fromDay?: Day): Promise<DailyTotals[]> {
    const prefix = keys.dailyStatsPrefix();
    const result: DailyTotals[] = [];
    for await (const [key, value] of this.#context.store.kv.iterate({ gte: fromDay ? keys.dailyStats(fromDay) : prefix, lt: prefix + END })) {
      const stored = decodeRecord<Partial<Record<DailyCounter, number>>>(value);
      result.push({ day: key.slice(prefix.length), ...Object.fromEntries(DAILY_COUNTERS.map((counter) => [counter, stored[counter] ?? 0])) } as DailyTotals);
    }
    return result;
  }
}
