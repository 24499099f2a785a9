// Records of prepaid credit (docs/design.md promise 6). None of them holds anything about who
// paid: no name, no bank account, no payment reference once it is booked. Dates are whole
// UTC days, so a ledger line cannot be matched to a bank transfer by its time of day.
import type { AccountState } from '../../../shared/billing-wire.ts';
import type { Day } from '../calendar.ts';

// The ledger lines and receipts go to the webmail as stored, so their shape is the wire's.
export type { AccountState, CreditMethod, LedgerEntry, ReceiptRecord } from '../../../shared/billing-wire.ts';

export interface BillingRecord {
  v: 1;
  /** As of the last settlement; standing.ts derives the state at any later moment. */
  state: AccountState;
  balanceCents: number;
  extraStorageSteps: number;
  /** The first day that is charged (the creation day when there is no trial). */
  trialEndsDay: Day;
  /** The last day paid for; null before the first charge. */
  paidThroughDay: Day | null;
  /** The first day the credit did not cover, while expired. */
  expiredSinceDay: Day | null;
  /** Reminder thresholds (days left) already sent since the last top-up. */
  remindersSent: number[];
}

/** A code waiting for a payment; erased when booked or expired. */
export interface PaymentCodeRecord {
  v: 1;
  accountId: string;
  /** Kept so the user can see the code again until it is used. */
  code: string;
  createdAt: number;
  expiresAt: number;
}

export interface VoucherRecord {
  v: 1;
  /** Argon2id hash (PHC string) of the whole code; the code itself is never stored. */
  hash: string;
  valueCents: number;
  createdDay: Day;
  /** Used or not; never by whom, never when. */
  used: boolean;
}

/** Per account, only while the inactivity rule is on (otherwise no login trail is kept). */
export interface ActivityRecord {
  v: 1;
  lastLoginDay: Day | null;
  /** Set when the inactivity rule switched receiving off. */
  receivingOffSinceDay: Day | null;
}
