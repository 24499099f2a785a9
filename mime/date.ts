// RFC 5322 date-time (section 3.3) with the obsolete forms of section 4.3 and the common
// breakage seen in the wild: no weekday, no seconds, two-digit years, named or military
// zones, comments, a missing zone, ISO 8601 from web forms. Used for SORT DATE (RFC 5256
// asks for the Date header, falling back to INTERNALDATE when it cannot be parsed).

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** RFC 5322 section 4.3 obs-zone offsets in minutes. Military single letters are treated
 * as +0000, as that section requires (their meaning was historically reversed). */
const NAMED_ZONES: Readonly<Record<string, number>> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  edt: -4 * 60,
  est: -5 * 60,
  cdt: -5 * 60,
  cst: -6 * 60,
  mdt: -6 * 60,
  mst: -7 * 60,
  pdt: -7 * 60,
  pst: -8 * 60,
};

const MINUTE_MS = 60_000;
/** Two-digit years below this are 20xx, others 19xx (RFC 5322 section 4.3). */
const TWO_DIGIT_YEAR_PIVOT = 50;
/** Latest zone offset accepted, in minutes (real zones stay within ±14 h). */
const MAX_ZONE_MINUTES = 24 * 60 - 1;

const RFC5322_DATE =
  /^(?:[a-z]+\s*,?\s*)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?\s*(?:([+-])(\d{2}):?(\d{2})|([a-z]{1,5}))?/i;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})[t\s](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(?:(z)|([+-])(\d{2}):?(\d{2}))?/i;

/** Epoch milliseconds of a Date header value, or null when it cannot be understood. */
export function parseMailDate(value: string | null): number | null {
  if (value === null) return null;
  const text = value.replace(/\([^)]*\)/g, ' ').trim();
  const rfc = RFC5322_DATE.exec(text);
  if (rfc) {
    const month = MONTHS[rfc[2]!.toLowerCase()];
    if (month === undefined) return null;
    let zone = 0;
    if (rfc[7] !== undefined) {
      zone = (rfc[7] === '-' ? -1 : 1) * (Number(rfc[8]) * 60 + Number(rfc[9]));
    } else if (rfc[10] !== undefined) {
      zone = NAMED_ZONES[rfc[10].toLowerCase()] ?? 0;
    }
    return build(fullYear(rfc[3]!), month, Number(rfc[1]), Number(rfc[4]), Number(rfc[5]), Number(rfc[6] ?? 0), zone);
  }
  const iso = ISO_DATE.exec(text);
  if (iso) {
    const zone = iso[8] !== undefined ? (iso[8] === '-' ? -1 : 1) * (Number(iso[9]) * 60 + Number(iso[10])) : 0;
    return build(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]), Number(iso[4]), Number(iso[5]), Number(iso[6] ?? 0), zone);
  }
  return null;
}

function fullYear(digits: string): number {
  const year = Number(digits);
  if (digits.length === 2) return year < TWO_DIGIT_YEAR_PIVOT ? 2000 + year : 1900 + year;
  if (digits.length === 3) return 1900 + year;
  return year;
}

function build(year: number, month: number, day: number, hour: number, minute: number, second: number, zoneMinutes: number): number | null {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  if (Math.abs(zoneMinutes) > MAX_ZONE_MINUTES) return null;
  const local = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 31 Feb over into March; such a date is invalid, not a different day.
  if (new Date(local).getUTCDate() !== day) return null;
  return local - zoneMinutes * MINUTE_MS;
}

/** The RFC 5322 date-time this server writes (Date, Received, DSNs): always UTC. */
export function formatRfc5322Date(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => n.toString().padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
