// What /metrics reports: totals since the process started, accounts per state, how long
// delivery-log days are kept, how the last retention run and backup went, and the
// process's own health (memory, the MX's buffered messages). No sample names a mailbox, an
// address or a client.
import type { ConnectionGate } from '../listeners/connection-gate.ts';
import { outOfSpace } from '../out-of-space.ts';
import type { AccountState } from '../core/billing/records.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { DailyCounter } from '../core/statistics.ts';
import type { ServiceJobs } from '../jobs/service-jobs.ts';
import type { BufferBudget } from '../smtp/buffer-budget.ts';
import type { Metric } from './exposition.ts';

/** Counting accounts reads every billing record; scrapes within this time share a count. */
const ACCOUNT_COUNT_CACHE_MS = 5 * 60_000;

const COUNTERS: Record<DailyCounter, { name: string; help: string }> = {
  messagesIn: { name: 'sealpost_messages_received_total', help: 'Messages received from other mail servers and stored.' },
  messagesOut: { name: 'sealpost_messages_sent_total', help: 'Messages submitted by users for delivery.' },
  spamRejected: { name: 'sealpost_spam_rejected_total', help: "Messages refused as spam or by the sender domain's DMARC policy." },
  spamJunked: { name: 'sealpost_spam_junked_total', help: 'Messages received and filed in Junk (spam, or DMARC quarantine).' },
  signups: { name: 'sealpost_signups_total', help: 'Accounts created.' },
  topUps: { name: 'sealpost_top_ups_total', help: 'Credits booked (payment codes and vouchers).' },
  accountsDeleted: { name: 'sealpost_accounts_deleted_total', help: 'Accounts deleted.' },
};

export class MetricsCollector {
  readonly #core: MailCore;
  readonly #jobs: ServiceJobs | null;
  readonly #mxBufferBudget: BufferBudget;
  readonly #startedAt = Date.now();
  #accountCounts: { at: number; counts: Record<AccountState, number> } | null = null;

  readonly #gates: Readonly<Record<string, ConnectionGate>>;

  constructor(core: MailCore, jobs: ServiceJobs | null, mxBufferBudget: BufferBudget, gates: Readonly<Record<string, ConnectionGate>> = {}) {
    this.#core = core;
    this.#jobs = jobs;
    this.#mxBufferBudget = mxBufferBudget;
    this.#gates = gates;
  }

  async collect(): Promise<Metric[]> {
    const sinceStart = this.#core.statistics.sinceStart();
    const metrics: Metric[] = (Object.keys(COUNTERS) as DailyCounter[]).map((counter) => ({
      ...COUNTERS[counter],
      type: 'counter',
      samples: [{ value: sinceStart[counter] }],
    }));
    const counts = await this.#countAccounts();
    metrics.push({
      name: 'sealpost_accounts',
      help: 'Accounts by state (trial, active, expired).',
      type: 'gauge',
      samples: (Object.keys(counts) as AccountState[]).map((state) => ({ labels: { state }, value: counts[state] })),
    });
    metrics.push({
      name: 'sealpost_delivery_log_days',
      help: 'UTC days the delivery log holds; more than the retention period means the retention job is not running.',
      type: 'gauge',
      samples: [{ value: (await this.#core.deliveryLog.days()).length }],
    });
    metrics.push({
      name: 'sealpost_storage_out_of_space_refusals_total',
      help: 'Writes refused because the data directory was out of space (SMTP 452 4.3.1, IMAP NO [UNAVAILABLE], HTTP 507).',
      type: 'counter',
      samples: [{ value: outOfSpace.refusals }],
    });
    const outcomes = this.#jobs?.outcomes;
    if (outcomes?.retention) {
      metrics.push(
        {
          name: 'sealpost_retention_last_run_timestamp_seconds',
          help: 'When the last retention run ended.',
          type: 'gauge',
          samples: [{ value: outcomes.retention.finishedAt / 1000 }],
        },
        {
          name: 'sealpost_retention_last_run_success',
          help: '1 if the last retention run succeeded.',
          type: 'gauge',
          samples: [{ value: outcomes.retention.ok ? 1 : 0 }],
        },
        {
          name: 'sealpost_retention_last_run_duration_seconds',
          help: 'How long the last retention run took.',
          type: 'gauge',
          samples: [{ value: outcomes.retention.durationMs / 1000 }],
        },
      );
    }
    if (outcomes?.backup) {
      metrics.push(
        {
          name: 'sealpost_backup_last_run_timestamp_seconds',
          help: 'When the last backup ended.',
          type: 'gauge',
          samples: [{ value: outcomes.backup.finishedAt / 1000 }],
        },
        { name: 'sealpost_backup_last_run_success', help: '1 if the last backup succeeded.', type: 'gauge', samples: [{ value: outcomes.backup.ok ? 1 : 0 }] },
        {
          name: 'sealpost_backup_last_run_bytes',
          help: 'Bytes of records and blobs the last backup holds.',
          type: 'gauge',
          samples: [{ value: outcomes.backup.bytes }],
        },
      );
    }
    if (this.#jobs) {
      metrics.push({ name: 'sealpost_backups', help: 'Complete backups kept.', type: 'gauge', samples: [{ value: (await this.#jobs.backups.list()).length }] });
    }
    metrics.push(
      { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ value: process.memoryUsage.rss() }] },
      {
        name: 'process_start_time_seconds',
        help: 'Start time of the process since the epoch in seconds.',
        type: 'gauge',
        samples: [{ value: this.#startedAt / 1000 }],
      },
      {
        name: 'sealpost_mx_buffered_bytes',
        help: 'Bytes of arriving messages the MX holds in memory until their checks end; at smtp.mx.maxBufferedBytes senders are asked to retry later.',
        type: 'gauge',
        samples: [{ value: this.#mxBufferBudget.bufferedBytes }],
      },
      {
        name: 'sealpost_open_connections',
        help: "Open sockets per service, TLS handshakes included; each service's maxConnections is its cap.",
        type: 'gauge',
        samples: Object.entries(this.#gates).map(([service, gate]) => ({ labels: { service }, value: gate.openConnections })),
      },
    );
    return metrics;
  }

  async #countAccounts(): Promise<Record<AccountState, number>> {
    const now = Date.now();
    if (this.#accountCounts && now - this.#accountCounts.at < ACCOUNT_COUNT_CACHE_MS) return this.#accountCounts.counts;
    const counts: Record<AccountState, number> = this.#core.billing
      ? await this.#core.billing.countStates()
      : { trial: 0, active: await this.#core.accounts.count(), expired: 0 };
    this.#accountCounts = { at: now, counts };
    return counts;
  }
}
