// Whether an account may log in with an app password and whether it receives mail: the
// one place both are decided, so every front-end (IMAP, POP3, submission, MX, the web API's
// delivery) refuses alike. Derived from the records on every call (settlement.ts), not from
// a flag a job must first set.
import { utcDay } from '../calendar.ts';
import type { CoreContext } from '../context.ts';
import { MailError } from '../errors.ts';
import { keys } from '../keys.ts';
import { decodeRecord, encodeRecord } from '../records.ts';
import type { AccountState, ActivityRecord, BillingRecord } from './records.ts';
import { settle } from './settlement.ts';
import type { ServicePolicy } from './settings.ts';

export interface Standing {
  state: AccountState;
  /** False while expired, or while the inactivity rule holds receiving off. */
  receiving: boolean;
  /** App-password logins (IMAP, POP3, submission); the web client lets anyone in. */
  mayLogIn: boolean;
}

/** Writes to activity records share one queue per account with nothing else. */
const activityQueue = (accountId: string) => `activity:${accountId}`;

export class AccountStanding {
  readonly #context: CoreContext;
  readonly #policy: ServicePolicy;

  constructor(context: CoreContext, policy: ServicePolicy) {
    this.#context = context;
    this.#policy = policy;
  }

  async of(accountId: string): Promise<Standing> {
    // A free service without the inactivity rule: nothing to read (this runs twice for
    // every delivered message).
    if (!this.#policy.billing && this.#policy.lifecycle.inactivityDays === 0) return { state: 'active', receiving: true, mayLogIn: true };
    const [billingValue, activityValue] = await this.#context.store.kv.getMany([keys.billing(accountId), keys.activity(accountId)]);
    const activity = activityValue ? decodeRecord<ActivityRecord>(activityValue) : null;
    const state = this.#stateOf(billingValue ? decodeRecord<BillingRecord>(billingValue) : null);
    return {
      state,
      receiving: state !== 'expired' && !activity?.receivingOffSinceDay,
      mayLogIn: state !== 'expired',
    };
  }

  /** After an app password unlocked the keys: only then, so that a wrong password never
   * learns more than "authentication failed". */
  async assertMayLogIn(accountId: string): Promise<void> {
    if (!(await this.of(accountId)).mayLogIn) {
      throw new MailError('ACCOUNT_DISABLED', 'the account has no credit left: top it up in the web client');
    }
  }

  async assertReceiving(accountId: string): Promise<void> {
    if (!(await this.of(accountId)).receiving) throw new MailError('MAILBOX_DISABLED', 'the mailbox is disabled');
  }

  /**
   * A login (any client, the web included): remembered by the day, and only while the
   * inactivity rule is on; a login also ends the receiving stop that rule imposed.
   */
  async recordLogin(accountId: string): Promise<void> {
    if (this.#policy.lifecycle.inactivityDays === 0) return;
    const today = utcDay(this.#context.clock.now());
    await this.#context.writer.run(activityQueue(accountId), async (txn) => {
      const [accountValue, value] = await Promise.all([txn.get(keys.account(accountId)), txn.get(keys.activity(accountId))]);
      if (!accountValue) return;
      const activity: ActivityRecord = value ? decodeRecord(value) : { v: 1, lastLoginDay: null, receivingOffSinceDay: null };
      if (activity.lastLoginDay === today && !activity.receivingOffSinceDay) return;
      txn.put(keys.activity(accountId), encodeRecord({ ...activity, lastLoginDay: today, receivingOffSinceDay: null } satisfies ActivityRecord));
    });
  }

  /** Starts the inactivity rule's count for an account it has not seen: from today, since
   * logins before the rule was switched on were not recorded. False if it was seen before. */
  async startActivityRecord(accountId: string): Promise<boolean> {
    const today = utcDay(this.#context.clock.now());
    return this.#context.writer.run(activityQueue(accountId), async (txn) => {
      if ((await txn.get(keys.activity(accountId))) || !(await txn.get(keys.account(accountId)))) return false;
      txn.put(keys.activity(accountId), encodeRecord({ v: 1, lastLoginDay: today, receivingOffSinceDay: null } satisfies ActivityRecord));
      return true;
    });
  }

  /** Switches receiving off for inactivity (the lifecycle job). */
  async stopReceivingForInactivity(accountId: string): Promise<void> {
    const today = utcDay(this.#context.clock.now());
    await this.#context.writer.run(activityQueue(accountId), async (txn) => {
      const value = await txn.get(keys.activity(accountId));
      const activity: ActivityRecord = value ? decodeRecord(value) : { v: 1, lastLoginDay: null, receivingOffSinceDay: null };
      if (activity.receivingOffSinceDay) return;
      txn.put(keys.activity(accountId), encodeRecord({ ...activity, receivingOffSinceDay: today } satisfies ActivityRecord));
    });
  }

  #stateOf(record: BillingRecord | null): AccountState {
    const settings = this.#policy.billing;
    // A free service, or an account the first settlement has not reached yet.
    if (!settings || !record) return 'active';
    return settle(record, utcDay(this.#context.clock.now()), settings).record.state;
  }
}
