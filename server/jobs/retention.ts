// `sealpost retention run`, also run daily by the scheduler: moves accounts through their
// lifecycle (charging, reminders, expiry, deletion), drops delivery-log days older than the
// retention period (docs/design.md promise 5) and erases them, deletes old Junk and Trash
// messages, erases expired payment codes, ends address holds whose time is up, removes
// backups past their retention period, and gives the space of deleted messages' ciphertext
// back to the file system (blob log compaction). Each unit of work is atomic or idempotent, so a run
// that is interrupted anywhere is finished by the next one, and a run with nothing to do
// writes nothing. A dry run computes the same work and writes nothing at all.
import type { Backups } from '../backup/backups.ts';
import type { LifecycleStep } from '../core/lifecycle.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { SpecialUse } from '../core/records.ts';

export interface RetentionSettings {
  deliveryLogDays: number;
  junkDays: number;
  trashDays: number;
}

export interface RetentionStep {
  name: 'lifecycle' | 'delivery-log' | 'junk' | 'trash' | 'payment-codes' | 'address-holds' | 'backups' | 'blob-space';
  title: string;
  /** Things done (or, dry, to do): accounts changed, days dropped, messages deleted … */
  count: number;
  lines: string[];
}

export interface RetentionReport {
  dryRun: boolean;
  startedAt: number;
  finishedAt: number;
  steps: RetentionStep[];
}

export type RetentionProgress =
  | { type: 'step'; index: number; of: number; title: string }
  | { type: 'item'; done: number; total: number }
  | { type: 'line'; text: string };

const STEP_TITLES: Record<RetentionStep['name'], string> = {
  lifecycle: 'accounts: charging, reminders, expiry, deletion',
  'delivery-log': 'delivery-log days past the retention period',
  junk: 'old Junk messages',
  trash: 'old Trash messages',
  'payment-codes': 'expired payment codes',
  'address-holds': 'address holds whose time is up',
  backups: 'backups past the retention period',
  'blob-space': 'MiB of deleted messages given back to the file system',
};

const MIB = 1024 * 1024;

export async function runRetention(
  core: MailCore,
  backups: Backups | null,
  settings: RetentionSettings,
  options: { dryRun: boolean; onProgress?: (progress: RetentionProgress) => void },
): Promise<RetentionReport> {
  const { dryRun } = options;
  const progress = options.onProgress ?? (() => undefined);
  const startedAt = core.clock.now();
  const names = Object.keys(STEP_TITLES) as RetentionStep['name'][];
  const steps: RetentionStep[] = [];
  for (const [index, name] of names.entries()) {
    progress({ type: 'step', index: index + 1, of: names.length, title: STEP_TITLES[name] });
    const step: RetentionStep = { name, title: STEP_TITLES[name], count: 0, lines: [] };
    const note = (text: string) => {
      step.lines.push(text);
      progress({ type: 'line', text });
    };
    switch (name) {
      case 'lifecycle':
        await forEachAccount(core, progress, async (account) => {
          const done = await core.lifecycle.advance(account.id, { dryRun });
          if (done.length === 0) return;
          step.count += 1;
          note(`${account.address}: ${done.map(describeLifecycleStep).join('; ')}`);
        });
        break;
      case 'delivery-log':
        step.count = await dropDeliveryLogDays(core, settings.deliveryLogDays, dryRun, note);
        break;
      case 'junk':
      case 'trash': {
        const specialUse: SpecialUse = name === 'junk' ? '\\Junk' : '\\Trash';
        const days = name === 'junk' ? settings.junkDays : settings.trashDays;
        await forEachAccount(core, progress, async (account) => {
          const deleted = await core.folderExpiry.expire(account.id, specialUse, days, { dryRun });
          if (deleted === 0) return;
          step.count += deleted;
          note(`${account.address}: ${deleted} message${deleted === 1 ? '' : 's'} older than ${days} days`);
        });
        break;
      }
      case 'payment-codes':
        step.count = core.billing ? await core.billing.paymentCodes.dropExpired(dryRun) : 0;
        if (step.count > 0) note(`${step.count} unused payment code${step.count === 1 ? '' : 's'} expired`);
        break;
      case 'address-holds':
        step.count = await core.addressHolds.dropExpired(dryRun);
        if (step.count > 0) note(`${step.count} held address${step.count === 1 ? '' : 'es'} released`);
        break;
      case 'backups': {
        if (!backups) break;
        const pruned = await backups.prune(dryRun);
        step.count = pruned.backups.length;
        for (const id of pruned.backups) note(`backup ${id}`);
        if (pruned.poolBlobs > 0) note(`${pruned.poolBlobs} blob${pruned.poolBlobs === 1 ? '' : 's'} no backup names any more`);
        break;
      }
      case 'blob-space': {
        // Deleted ciphertext is unreadable at once (its content key went with the index
        // record); this frees its bytes. A dry run cannot tell how much without doing it.
        if (dryRun) break;
        const compaction = await core.reclaimBlobSpace();
        step.count = Math.ceil(compaction.bytesReclaimed / MIB);
        if (compaction.bytesReclaimed > 0)
          note(`${compaction.bytesReclaimed} bytes freed, ${compaction.blobsMoved} live blob${compaction.blobsMoved === 1 ? '' : 's'} moved`);
        break;
      }
    }
    steps.push(step);
  }
  return { dryRun, startedAt, finishedAt: core.clock.now(), steps };
}

async function forEachAccount(
  core: MailCore,
  progress: (progress: RetentionProgress) => void,
  work: (account: { id: string; address: string }) => Promise<void>,
): Promise<void> {
  const accounts = await core.accounts.listAddresses();
  for (const [index, account] of accounts.entries()) {
    await work(account);
    progress({ type: 'item', done: index + 1, total: accounts.length });
  }
}

async function dropDeliveryLogDays(core: MailCore, retentionDays: number, dryRun: boolean, note: (text: string) => void): Promise<number> {
  const expired = await core.deliveryLog.expiredDays(retentionDays);
  for (const { day, entries } of expired) note(`${day}: ${entries} entr${entries === 1 ? 'y' : 'ies'}`);
  if (!dryRun && expired.length > 0) await core.deliveryLog.eraseExpiredDays(retentionDays);
  return expired.length;
}

function describeLifecycleStep(step: LifecycleStep): string {
  switch (step.kind) {
    case 'charged':
      return `charged ${step.days} day${step.days === 1 ? '' : 's'} (${step.cents} cents)`;
    case 'activated':
      return 'trial over, active';
    case 'expired':
      return `expired since ${step.sinceDay}, deleted on ${step.deletionDay} unless topped up`;
    case 'reminded':
      return `reminder sent (${step.daysLeft} day${step.daysLeft === 1 ? '' : 's'} of credit left)`;
    case 'receiving-stopped':
      return `receiving stopped after ${step.idleDays} days without a login`;
    case 'deleted':
      return step.reason === 'grace-over' ? 'deleted (grace period over)' : 'deleted (finishing an interrupted deletion)';
  }
}
