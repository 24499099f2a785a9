// IMAP date-time ("17-Jul-1996 02:44:25 -0700", APPEND and INTERNALDATE) and date
// ("1-Feb-1994", SEARCH) in strict form: fixed field widths, English month names in any
// case, calendar-valid days, a zone of +/-HHMM.

import { ProtoError } from './errors.ts';

export interface ImapDateTime {
  /** The instant, in milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /** The zone the client wrote, in minutes east of UTC, kept so INTERNALDATE echoes it. */
  readonly offsetMinutes: number;
}

/** A calendar day; SEARCH compares days and ignores time and zone (RFC 3501 6.4.4). */
export interface ImapDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Years outside four digits cannot be written in the grammar; below 1000 would be "0999". */
const MIN_YEAR = 1000;

function invalid(what: string): ProtoError {
  return new ProtoError('INVALID_DATE', `Invalid ${what}`);
}

function digits(text: string, start: number, count: number): number {
  let v = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function monthIndex(text: string, start: number): number {
  return MONTHS.indexOf(text.slice(start, start + 3).toUpperCase()) + 1;
}

/** date-text = date-day "-" date-month "-" date-year, date-day 1 or 2 digits. */
export function parseDate(text: string): ImapDate {
  const dash = text.indexOf('-');
  if (dash !== 1 && dash !== 2) throw invalid('date');
  const day = digits(text, 0, dash);
  const month = monthIndex(text, dash + 1);
  if (text.length !== dash + 9 || text[dash + 4] !== '-' || month === 0) throw invalid('date');
  const year = digits(text, dash + 5, 4);
  if (year < MIN_YEAR || day < 1 || day > daysInMonth(year, month)) throw invalid('date');
  return { year, month, day };
}

/** date-time without its quotes: date-day-fixed "-" date-month "-" date-year SP time SP zone. */
export function parseDateTime(text: string): ImapDateTime {
  if (text.length !== 26 || text[2] !== '-' || text[6] !== '-' || text[11] !== ' ' || text[20] !== ' ') {
    throw invalid('date-time');
  }
  const day = text[0] === ' ' ? digits(text, 1, 1) : digits(text, 0, 2);
  const month = monthIndex(text, 3);
  const year = digits(text, 7, 4);
  if (text[14] !== ':' || text[17] !== ':') throw invalid('date-time');
  const hour = digits(text, 12, 2);
  const minute = digits(text, 15, 2);
  const second = digits(text, 18, 2);
  const sign = text[21] === '+' ? 1 : text[21] === '-' ? -1 : 0;
  const zoneHours = digits(text, 22, 2);
  const zoneMinutes = digits(text, 24, 2);
  if (
    month === 0 ||
    year < MIN_YEAR ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    // 60 is a leap second; the instant rolls over to the next minute.
    second < 0 ||
    second > 60 ||
    sign === 0 ||
    zoneHours < 0 ||
    zoneHours > 23 ||
    zoneMinutes < 0 ||
    zoneMinutes > 59
  ) {
    throw invalid('date-time');
  }
  const offsetMinutes = sign * (zoneHours * 60 + zoneMinutes);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  return { timestamp: utc.getTime() - offsetMinutes * 60_000, offsetMinutes };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Formats an instant as an IMAP date-time (without quotes) in the given zone. */
export function formatDateTime(timestamp: number, offsetMinutes = 0): string {
  const local = new Date(timestamp + offsetMinutes * 60_000);
  const abs = Math.abs(offsetMinutes);
  const day = local.getUTCDate();
  return (
    (day < 10 ? ` ${day}` : String(day)) +
    '-' +
    MONTH_NAMES[local.getUTCMonth()] +
    '-' +
    String(local.getUTCFullYear()).padStart(4, '0') +
    ' ' +
    pad2(local.getUTCHours()) +
    ':' +
    pad2(local.getUTCMinutes()) +
    ':' +
    pad2(local.getUTCSeconds()) +
    ' ' +
    (offsetMinutes < 0 ? '-' : '+') +
    pad2(Math.floor(abs / 60)) +
    pad2(abs % 60)
  );
}
