// What the operator decides about paying and about the life of an account. The service
// builds these from its configuration (server/config/schema.ts holds the defaults); a bare
// mail core without them is a free service whose accounts never expire.

export interface BillingSettings {
  /** ISO 4217 code shown with every amount. */
  currency: string;
  /** Price of the base plan per calendar month, in cents. */
  monthlyPriceCents: number;
  /** Extra storage, bought in steps on top of the base quota, each with its own price. */
  extraStorage: { stepBytes: number; monthlyPriceCents: number; maxSteps: number };
  /** Days a new account runs before the first charge; 0: it must be topped up first. */
  trialDays: number;
  maxBalanceCents: number;
  /** Days an unused payment code stays valid. */
  paymentCodeValidDays: number;
  /** Unused payment codes an account may hold at once. */
  pendingCodesPerAccount: number;
  /** How to pay (bank details, postal address for cash), shown beside a payment code. */
  paymentInstructions: string;
  /** The operator as named on receipts (receipts name nobody else). */
  receiptIssuer: string;
}

export interface LifecyclePolicy {
  /** Days an account stays expired (kept, not receiving) before it is deleted. */
  graceDays: number;
  /** Reminders go out when the credit lasts this many days or fewer, each once. */
  reminderDays: number[];
  /** Days a deleted account's addresses cannot be registered again. */
  addressHoldDays: number;
  /** Days without a login after which receiving is switched off; 0: the rule is off. */
  inactivityDays: number;
  /** More deletions than this within 24 hours bring the user a notice. */
  deletionNoticeThreshold: number;
  /** From header of the notices Sealpost puts into an Inbox. */
  noticeSender: string;
}

export interface ServicePolicy {
  /** null: a free service; no balance, no charging, accounts never expire. */
  billing: BillingSettings | null;
  lifecycle: LifecyclePolicy;
}

/** A bare core (tools, unit tests): free, no address hold, no inactivity rule; the deletion
 * notice keeps the configuration's default threshold of 50 (lifecycle.deletionNoticeThreshold). */
export const FREE_SERVICE_POLICY: ServicePolicy = {
  billing: null,
  lifecycle: {
    graceDays: 30,
    reminderDays: [],
    addressHoldDays: 0,
    inactivityDays: 0,
    deletionNoticeThreshold: 50,
    noticeSender: 'Sealpost <noreply@localhost>',
  },
};
