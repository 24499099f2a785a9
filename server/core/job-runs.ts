// When each daily job (retention, backup) last ran, by UTC day: kept in the store, so a
// restart neither repeats today's run nor forgets a missed one, and (with a shared store)
// every node sees the same runs.
import type { Day } from './calendar.ts';
import type { CoreContext } from './context.ts';
import { keys } from './keys.ts';
import { decodeRecord, encodeRecord } from './records.ts';

interface JobState {
  v: 1;
  lastRunDay: Day;
}

export class JobRuns {
  readonly #context: CoreContext;

  constructor(context: CoreContext) {
    this.#context = context;
  }

  /** The day the job last ran (or was first seen), null for a job never seen. */
  async lastRunDay(job: string): Promise<Day | null> {
    const stored = await this.#context.store.kv.get(keys.jobState(job));
    return stored ? decodeRecord<JobState>(stored).lastRunDay : null;
  }

  async recordRun(job: string, day: Day): Promise<void> {
    await this.#context.store.kv.batch([{ type: 'put', key: keys.jobState(job), value: encodeRecord({ v: 1, lastRunDay: day } satisfies JobState) }]);
  }
}
