// The arithmetic of an account's credit over time, as pure functions of its billing record
// and a day: charging the days due, crediting a top-up, how long the credit lasts. The
// lifecycle job writes what these compute; the login and delivery checks compute the same
// on the fly, so an account stops receiving the day its credit runs out even if the daily
// job has not run yet.
import { addDays, daysBetween, type Day } from '../calendar.ts';
import { chargeForDay, coverage, monthlyPriceCents } from './pricing.ts';
import type { AccountState, BillingRecord } from './records.ts';
import type { BillingSettings } from './settings.ts';

export interface Settlement {
  record: BillingRecord;
  charges: { day: Day; cents: number }[];
  /** The state the record had before, when this settlement changed it. */
  changedFrom: AccountState | null;
}

export function initialBillingRecord(settings: BillingSettings, createdDay: Day): BillingRecord {
  return {
    v: 1,
    state: settings.trialDays > 0 ? 'trial' : 'expired',
    balanceCents: 0,
    extraStorageSteps: 0,
    trialEndsDay: addDays(createdDay, settings.trialDays),
    paidThroughDay: null,
    expiredSinceDay: settings.trialDays > 0 ? null : createdDay,
    remindersSent: [],
  };
}

/** Charges every day due up to and including `today`, or records the first day the credit
 * does not cover. An expired account is not charged: it is not being served. */
export function settle(record: BillingRecord, today: Day, settings: BillingSettings): Settlement {
  const next: BillingRecord = { ...record, remindersSent: [...record.remindersSent] };
  const charges: Settlement['charges'] = [];
  if (next.state === 'expired' || today < next.trialEndsDay) return { record: next, charges, changedFrom: null };
  const monthly = monthlyPriceCents(settings, next.extraStorageSteps);
  for (let day = firstUnpaidDay(next); day <= today; day = addDays(day, 1)) {
    const cents = chargeForDay(monthly, day);
    if (cents > next.balanceCents) {
      next.state = 'expired';
      next.expiredSinceDay = day;
      return { record: next, charges, changedFrom: record.state };
    }
    next.balanceCents -= cents;
    next.paidThroughDay = day;
    charges.push({ day, cents });
  }
  next.state = 'active';
  return { record: next, charges, changedFrom: record.state === 'active' ? null : record.state };
}

/** Adds a top-up. An expired account starts again today: the days it went without service
 * are not charged, and it pays for today at once if the credit allows. */
export function credit(record: BillingRecord, amountCents: number, today: Day, settings: BillingSettings): Settlement {
  const settled = settle(record, today, settings);
  const next: BillingRecord = { ...settled.record, balanceCents: settled.record.balanceCents + amountCents, remindersSent: [] };
  if (next.state !== 'expired') return { ...settled, record: next };
  const monthly = monthlyPriceCents(settings, next.extraStorageSteps);
  if (chargeForDay(monthly, today) > next.balanceCents) return { ...settled, record: next };
  const restarted = settle(
    { ...next, state: 'active', expiredSinceDay: null, paidThroughDay: addDays(today, -1), trialEndsDay: minDay(next.trialEndsDay, today) },
    today,
    settings,
  );
  return { record: restarted.record, charges: [...settled.charges, ...restarted.charges], changedFrom: record.state };
}

/** Days of service left from `today` on (today included when not yet paid): the trial's
 * remaining days, then what the balance pays for. Infinity for a free plan. */
export function daysLeft(record: BillingRecord, today: Day, settings: BillingSettings): number {
  if (record.state === 'expired') return 0;
  const monthly = monthlyPriceCents(settings, record.extraStorageSteps);
  const trialDaysLeft = Math.max(0, daysBetween(today, record.trialEndsDay));
  const from = maxDay(firstUnpaidDay(record), maxDay(record.trialEndsDay, today));
  const alreadyPaid = Math.max(0, daysBetween(today, from)) - trialDaysLeft;
  return trialDaysLeft + alreadyPaid + coverage(record.balanceCents, monthly, from).days;
}

/** The last day the current credit pays for, for receipts and the status page. */
export function paidUntil(record: BillingRecord, today: Day, settings: BillingSettings): Day | null {
  const left = daysLeft(record, today, settings);
  if (left === Infinity) return null;
  return left === 0 ? null : addDays(today, left - 1);
}

function firstUnpaidDay(record: BillingRecord): Day {
  return record.paidThroughDay ? maxDay(addDays(record.paidThroughDay, 1), record.trialEndsDay) : record.trialEndsDay;
}

const minDay = (a: Day, b: Day) => (a < b ? a : b);
const maxDay = (a: Day, b: Day) => (a > b ? a : b);
