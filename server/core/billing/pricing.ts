// Prices and daily charges. A plan costs a price per calendar month, charged a day at a time
// in whole cents: day d of an N-day month costs floor(P·d/N) − floor(P·(d−1)/N), so the days
// of every month add up to exactly P and no fraction of a cent is ever carried.
import { addDays, daysInMonth, type Day } from '../calendar.ts';
import type { BillingSettings } from './settings.ts';

export function monthlyPriceCents(settings: BillingSettings, extraStorageSteps: number): number {
  return settings.monthlyPriceCents + extraStorageSteps * settings.extraStorage.monthlyPriceCents;
}

export function chargeForDay(monthlyCents: number, day: Day): number {
  const days = daysInMonth(day);
  const dayOfMonth = Number(day.slice(8, 10));
  return Math.floor((monthlyCents * dayOfMonth) / days) - Math.floor((monthlyCents * (dayOfMonth - 1)) / days);
}

/** The longest run of days a balance pays for, starting at `from`: how long the credit lasts. */
export function coverage(balanceCents: number, monthlyCents: number, from: Day): { days: number; lastDay: Day | null } {
  if (monthlyCents === 0) return { days: Infinity, lastDay: null };
  let remaining = balanceCents;
  let day = from;
  let days = 0;
  for (;;) {
    const charge = chargeForDay(monthlyCents, day);
    if (charge > remaining) break;
    remaining -= charge;
    days += 1;
    day = addDays(day, 1);
  }
  return { days, lastDay: days > 0 ? addDays(from, days - 1) : null };
}
