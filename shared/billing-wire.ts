// What the web API says about prepaid credit (server/web/routes/billing.ts answers with these,
// the webmail reads them). The ledger lines and receipts are the stored records themselves:
// none holds anything about who paid (docs/design.md promise 6). Days are UTC, "YYYY-MM-DD".

export type AccountState = 'trial' | 'active' | 'expired';

export type CreditMethod = 'payment-code' | 'voucher';

export interface PendingPaymentCode {
  code: string;
  expiresAt: number;
}

export interface PaymentCodeOffer extends PendingPaymentCode {
  currency: string;
  paymentInstructions: string;
}

export interface BillingStatus {
  state: AccountState;
  currency: string;
  balanceCents: number;
  maxBalanceCents: number;
  /** The price per month now, extra storage included. */
  monthlyPriceCents: number;
  extraStorage: { steps: number; stepBytes: number; stepMonthlyPriceCents: number; maxSteps: number };
  quotaBytes: number;
  /** The last day of the trial, while it runs. */
  trialLastDay: string | null;
  /** The last day the trial and the credit pay for; null when expired (or free). */
  paidUntilDay: string | null;
  expiredSinceDay: string | null;
  /** While expired: the day the account will be deleted unless topped up before. */
  deletionDay: string | null;
  pendingPaymentCodes: PendingPaymentCode[];
  paymentInstructions: string;
}

export type LedgerEntry =
  | { v: 1; kind: 'credit'; day: string; amountCents: number; method: CreditMethod; receipt: string }
  /** Charges are summed per calendar month, one line per month. */
  | { v: 1; kind: 'charge'; day: string; amountCents: number; month: string; fromDay: string; throughDay: string; days: number };

export interface ReceiptRecord {
  v: 1;
  /** "R-" year "-" eight random characters: unique without revealing how many exist. */
  number: string;
  issuedDay: string;
  amountCents: number;
  currency: string;
  method: CreditMethod;
  /** What the credit pays for at the price when it was booked; null for a free plan. */
  servicePeriod: { fromDay: string; toDay: string } | null;
  /** The operator, who issues the receipt; the payer is never named. */
  issuer: string;
}

export interface VoucherRedemption {
  creditedCents: number;
  balanceCents: number;
  receipt: string;
}
