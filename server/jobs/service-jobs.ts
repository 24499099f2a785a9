// The operator's jobs of a running service (or of the CLI when no service runs): retention
// runs and backups, one retention run at a time, and the scheduler that runs both daily.
// Remembers how the last ones went, for /metrics.
import { Backups } from '../backup/backups.ts';
import type { CreatedBackup } from '../backup/create.ts';
import type { Config } from '../config/schema.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { runRetention, type RetentionProgress, type RetentionReport } from './retention.ts';
import { Scheduler, type DailyJob } from './scheduler.ts';

export interface JobOutcomes {
  retention: { finishedAt: number; durationMs: number; ok: boolean } | null;
  backup: { finishedAt: number; durationMs: number; ok: boolean; bytes: number } | null;
}

export class ServiceJobs {
  readonly backups: Backups;
  readonly scheduler: Scheduler;
  readonly #core: MailCore;
  readonly #config: Config;
  #retentionTurn: Promise<unknown> = Promise.resolve();
  readonly outcomes: JobOutcomes = { retention: null, backup: null };

  constructor(core: MailCore, store: Store, config: Config, dataDir: string, logger: Logger) {
    this.#core = core;
    this.#config = config;
    this.backups = new Backups(core, store, dataDir, config.backup.directory, config.retention.backupDays);
    const jobs: DailyJob[] = [];
    if (config.retention.daily)
      jobs.push({ name: 'retention', at: config.retention.runAt, run: () => this.runRetention({ dryRun: false }).then(() => undefined) });
    if (config.backup.daily) jobs.push({ name: 'backup', at: config.backup.runAt, run: () => this.createBackup().then(() => undefined) });
    this.scheduler = new Scheduler({
      clock: core.clock,
      runs: core.jobRuns,
      jobs,
      wakeUps: [{ name: 'backup-expiry', dueAt: () => this.backups.nextExpiry(), run: () => this.backups.prune(false).then(() => undefined) }],
      logger,
    });
  }

  runRetention(options: { dryRun: boolean; onProgress?: (progress: RetentionProgress) => void }): Promise<RetentionReport> {
    const run = this.#retentionTurn.then(() =>
      this.#timed('retention', () => runRetention(this.#core, this.backups, this.#config.retention, options), options.dryRun),
    );
    this.#retentionTurn = run.catch(() => undefined);
    return run;
  }

  createBackup(): Promise<CreatedBackup> {
    return this.#timed('backup', () => this.backups.create(), false);
  }

  async #timed<T>(job: keyof JobOutcomes, work: () => Promise<T>, dryRun: boolean): Promise<T> {
    const clock = this.#core.clock;
    const started = clock.now();
    try {
      const result = await work();
      if (!dryRun) this.#record(job, started, true, result);
      return result;
    } catch (error) {
      if (!dryRun) this.#record(job, started, false, null);
      throw error;
    }
  }

  #record(job: keyof JobOutcomes, started: number, ok: boolean, result: unknown): void {
    const finishedAt = this.#core.clock.now();
    const outcome = { finishedAt, durationMs: finishedAt - started, ok };
    if (job === 'retention') this.outcomes.retention = outcome;
    else this.outcomes.backup = { ...outcome, bytes: backupBytes(result as CreatedBackup | null) };
  }
}

function backupBytes(backup: CreatedBackup | null): number {
  return backup ? backup.manifest.kv.bytes + backup.manifest.blobs.bytes : 0;
}
