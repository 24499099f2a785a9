// UTC calendar days, the unit of billing, retention and the delivery log. A day is written
// "YYYY-MM-DD", which sorts as it counts, so it can sit in keys and be compared as text.

export const DAY_MS = 86_400_000;

export type Day = string;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function utcDay(time: number): Day {
  return new Date(time).toISOString().slice(0, 10);
}

/** Milliseconds at 00:00 UTC of the day. */
export function startOfDay(day: Day): number {
  const match = DAY_PATTERN.exec(day);
  if (!match) throw new RangeError(`not a day: ${day}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

export function addDays(day: Day, days: number): Day {
  return utcDay(startOfDay(day) + days * DAY_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: Day, to: Day): number {
  return Math.round((startOfDay(to) - startOfDay(from)) / DAY_MS);
}

export function daysInMonth(day: Day): number {
  const date = new Date(startOfDay(day));
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
}

/** "YYYY-MM" of the day. */
export function monthOf(day: Day): string {
  return day.slice(0, 7);
}

export function isDay(text: string): boolean {
  return DAY_PATTERN.test(text) && utcDay(startOfDay(text)) === text;
}
