// The built-in scheduler: runs each daily job once per UTC day at its time, and wakes
// whenever something else falls due (the oldest backup reaching its retention period, so
// that it goes at once and not at the next daily run). When each job last ran is kept in
// the store, so a restart neither repeats today's run nor forgets a missed one. A job
// never seen before waits for its first time instead of running at once on a new install.
// Decisions follow the injected clock; tick() is what the timer calls and what tests call.
import { startOfDay, utcDay, type Day } from '../core/calendar.ts';
import type { Clock } from '../core/context.ts';
import type { JobRuns } from '../core/job-runs.ts';
import type { Logger } from '../log.ts';

export interface DailyJob {
  name: string;
  /** UTC "HH:MM". */
  at: string;
  run(): Promise<void>;
}

export interface WakeUp {
  name: string;
  /** When it is next due (ms since the epoch), or null when nothing is pending. */
  dueAt(): Promise<number | null>;
  run(): Promise<void>;
}

/** The timer never sleeps longer than this, so a clock that jumps is noticed soon. */
const MAX_SLEEP_MS = 3_600_000;
/** Nor shorter, so a job that keeps failing is retried once a minute, not in a spin. */
const MIN_SLEEP_MS = 60_000;

export class Scheduler {
  readonly #clock: Clock;
  readonly #runs: Pick<JobRuns, 'lastRunDay' | 'recordRun'>;
  readonly #jobs: DailyJob[];
  readonly #wakeUps: WakeUp[];
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<string[]> | undefined;
  #stopped = false;

  constructor(options: { clock: Clock; runs: Pick<JobRuns, 'lastRunDay' | 'recordRun'>; jobs: DailyJob[]; wakeUps: WakeUp[]; logger: Logger }) {
    this.#clock = options.clock;
    this.#runs = options.runs;
    this.#jobs = options.jobs;
    this.#wakeUps = options.wakeUps;
    this.#logger = options.logger;
  }

  start(): void {
    void this.#loop();
  }

  /** Stops the timer and waits for a run in progress, so the store is not closed under it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking?.catch(() => undefined);
  }

  /** Runs what is due now; returns the names of what ran. One tick at a time. */
  tick(): Promise<string[]> {
    this.#ticking ??= this.#runDue().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #runDue(): Promise<string[]> {
    const ran: string[] = [];
    const now = this.#clock.now();
    const today = utcDay(now);
    for (const job of this.#jobs) {
      const lastRunDay = await this.#runs.lastRunDay(job.name);
      const dueToday = now >= slotOf(today, job.at);
      if (lastRunDay === null) {
        // First sight: today's slot counts as taken if it has passed.
        await this.#runs.recordRun(job.name, dueToday ? today : utcDay(startOfDay(today) - 1));
        continue;
      }
      if (!dueToday || lastRunDay >= today) continue;
      await this.#runLogged(job.name, job.run);
      await this.#runs.recordRun(job.name, today);
      ran.push(job.name);
    }
    for (const wakeUp of this.#wakeUps) {
      const dueAt = await wakeUp.dueAt();
      if (dueAt === null || dueAt > this.#clock.now()) continue;
      await this.#runLogged(wakeUp.name, wakeUp.run);
      ran.push(wakeUp.name);
    }
    return ran;
  }

  async #runLogged(name: string, run: () => Promise<void>): Promise<void> {
    const started = this.#clock.now();
    try {
      await run();
      this.#logger.info({ job: name, ms: this.#clock.now() - started }, 'scheduler: job done');
    } catch (error) {
      // The day counts as run: a job that fails is retried tomorrow, not in a tight loop.
      this.#logger.error({ job: name, err: error }, 'scheduler: job failed');
    }
  }

  async #loop(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.tick();
    } catch (error) {
      this.#logger.error({ err: error }, 'scheduler: tick failed');
    }
    if (this.#stopped) return;
    const delay = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, (await this.#nextDue().catch(() => Infinity)) - this.#clock.now()));
    this.#timer = setTimeout(() => void this.#loop(), delay);
    this.#timer.unref();
  }

  async #nextDue(): Promise<number> {
    const now = this.#clock.now();
    const today = utcDay(now);
    const candidates: number[] = [];
    for (const job of this.#jobs) {
      const slot = slotOf(today, job.at);
      candidates.push(slot > now ? slot : slot + 86_400_000);
    }
    for (const wakeUp of this.#wakeUps) {
      const dueAt = await wakeUp.dueAt();
      if (dueAt !== null) candidates.push(dueAt);
    }
    return Math.min(...candidates);
  }
}

function slotOf(day: Day, at: string): number {
  const [hours, minutes] = at.split(':').map(Number) as [number, number];
  return startOfDay(day) + (hours * 60 + minutes) * 60_000;
}
