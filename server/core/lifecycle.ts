// The life of an account, advanced once a day by the retention job: trial → active →
// expired (credit exhausted: no mail in, no IMAP/POP3/SMTP logins) → deleted after the
// grace period. Reminders go to the user's own Inbox before the credit runs out, a notice
// when it has; the optional inactivity rule stops receiving after N days without a login.
// Every step is idempotent: what was done is recorded, so a rerun (after an interruption)
// does only what is left. A dry run computes the same steps and writes nothing.
import type { Accounts } from './accounts.ts';
import type { Billing } from './billing/billing.ts';
import type { ActivityRecord } from './billing/records.ts';
import type { LifecyclePolicy } from './billing/settings.ts';
import type { AccountStanding } from './billing/standing.ts';
import { addDays, daysBetween, utcDay, type Day } from './calendar.ts';
import type { CoreContext } from './context.ts';
import { keys } from './keys.ts';
import type { Notices } from './notices.ts';
import { decodeRecord, type AccountRecord } from './records.ts';

export type LifecycleStep =
  | { kind: 'charged'; days: number; cents: number }
  | { kind: 'activated' }
  | { kind: 'expired'; sinceDay: Day; deletionDay: Day }
  | { kind: 'reminded'; daysLeft: number }
  | { kind: 'receiving-stopped'; idleDays: number }
  | { kind: 'deleted'; reason: 'grace-over' | 'unfinished-deletion' };

/** remindersSent marks the expiry notice with this threshold. */
const EXPIRY_NOTICE = 0;

export class Lifecycle {
  readonly #context: CoreContext;
  readonly #policy: LifecyclePolicy;
  readonly #accounts: Accounts;
  readonly #billing: Billing | null;
  readonly #standing: AccountStanding;
  readonly #notices: Notices;

  constructor(
    context: CoreContext,
    policy: LifecyclePolicy,
    parts: { accounts: Accounts; billing: Billing | null; standing: AccountStanding; notices: Notices },
  ) {
    this.#context = context;
    this.#policy = policy;
    this.#accounts = parts.accounts;
    this.#billing = parts.billing;
    this.#standing = parts.standing;
    this.#notices = parts.notices;
  }

  /** Moves one account forward to today; returns what it did (or, dry, would do). */
  async advance(accountId: string, options: { dryRun: boolean }): Promise<LifecycleStep[]> {
    const value = await this.#context.store.kv.get(keys.account(accountId));
    if (!value) return [];
    const account = decodeRecord<AccountRecord>(value);
    // Key slots already shredded: a deletion was interrupted; finish it.
    if (account.passwordSlot === '') {
      if (!options.dryRun) await this.#accounts.delete(accountId);
      return [{ kind: 'deleted', reason: 'unfinished-deletion' }];
    }
    const steps: LifecycleStep[] = [];
    const today = utcDay(this.#context.clock.now());
    if (this.#billing) {
      const settlement = await this.#billing.settleAccount(accountId, options);
      const { record } = settlement;
      if (settlement.charges.length > 0) {
        steps.push({ kind: 'charged', days: settlement.charges.length, cents: settlement.charges.reduce((sum, charge) => sum + charge.cents, 0) });
      }
      if (settlement.changedFrom === 'trial' && record.state === 'active') steps.push({ kind: 'activated' });
      if (record.state === 'expired' && record.expiredSinceDay) {
        const deletionDay = addDays(record.expiredSinceDay, this.#policy.graceDays);
        if (today >= deletionDay) {
          if (!options.dryRun) await this.#accounts.delete(accountId);
          return [...steps, { kind: 'deleted', reason: 'grace-over' }];
        }
        if (!record.remindersSent.includes(EXPIRY_NOTICE)) {
          steps.push({ kind: 'expired', sinceDay: record.expiredSinceDay, deletionDay });
          if (!options.dryRun) {
            await this.#notices.deliver(accountId, expiryNotice(record.expiredSinceDay, deletionDay));
            await this.#billing.markReminderSent(accountId, EXPIRY_NOTICE);
          }
        }
      } else {
        const due = this.#policy.reminderDays.filter((threshold) => settlement.daysLeft <= threshold && !record.remindersSent.includes(threshold));
        if (due.length > 0) {
          steps.push({ kind: 'reminded', daysLeft: settlement.daysLeft });
          if (!options.dryRun) {
            await this.#notices.deliver(accountId, reminder(settlement.daysLeft, addDays(today, settlement.daysLeft - 1), this.#policy.graceDays));
            // One reminder covers every threshold it crossed.
            for (const threshold of due) await this.#billing.markReminderSent(accountId, threshold);
          }
        }
      }
    }
    if (this.#policy.inactivityDays > 0) {
      const step = await this.#applyInactivityRule(accountId, today, options);
      if (step) steps.push(step);
    }
    return steps;
  }

  async #applyInactivityRule(accountId: string, today: Day, options: { dryRun: boolean }): Promise<LifecycleStep | null> {
    const value = await this.#context.store.kv.get(keys.activity(accountId));
    if (!value) {
      if (!options.dryRun) await this.#standing.startActivityRecord(accountId);
      return null;
    }
    const activity = decodeRecord<ActivityRecord>(value);
    const idleDays = daysBetween(activity.lastLoginDay ?? today, today);
    if (activity.receivingOffSinceDay || idleDays < this.#policy.inactivityDays) return null;
    if (!options.dryRun) {
      await this.#standing.stopReceivingForInactivity(accountId);
      await this.#notices.deliver(accountId, {
        subject: 'Your mailbox no longer receives mail',
        text:
          `Nobody has logged in to this mailbox for ${idleDays} days, so it no longer accepts incoming mail.\n\n` +
          'Log in (in the web client or with your mail program) and it receives mail again at once.\n',
      });
    }
    return { kind: 'receiving-stopped', idleDays };
  }
}

function reminder(daysLeft: number, lastDay: Day, graceDays: number): { subject: string; text: string } {
  return {
    subject: daysLeft === 1 ? 'Your mailbox credit runs out today' : `Your mailbox credit lasts ${daysLeft} more days`,
    text:
      `Your credit pays for this mailbox until ${lastDay} (UTC).\n\n` +
      'Top it up in the web client, with a payment code or a voucher, before then. Without credit the mailbox ' +
      `stops receiving mail and IMAP, POP3 and SMTP logins stop working; ${graceDays} days later it is deleted ` +
      'with all its mail.\n',
  };
}

function expiryNotice(sinceDay: Day, deletionDay: Day): { subject: string; text: string } {
  return {
    subject: 'Your mailbox is disabled: no credit left',
    text:
      `Since ${sinceDay} this mailbox has no credit left. Incoming mail is refused, and IMAP, POP3 and SMTP ` +
      'logins are disabled. You can still log in to the web client to top up or to export your mail.\n\n' +
      `Unless it is topped up, the mailbox and all its mail will be deleted on ${deletionDay} (UTC).\n`,
  };
}
