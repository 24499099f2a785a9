// A password strength estimate for the signup meter: bits of a brute-force search over the
// character classes used, minus what common shortcuts save an attacker (repeats, runs,
// the most common words and patterns). Coarse on purpose: it steers, it does not promise.

export type Strength = 0 | 1 | 2 | 3 | 4;

const COMMON = [
  'password',
  'passwort',
  'qwertz',
  'qwerty',
  'letmein',
  'welcome',
  'willkommen',
  'hallo',
  'hello',
  'admin',
  'iloveyou',
  'sommer',
  'summer',
  'winter',
  'monkey',
  'dragon',
  'master',
  'sealpost',
  '123456',
  'abc123',
];
/** Score thresholds in bits: below 28 falls to an offline attack in seconds even behind
 * Argon2id; 60+ bits withstands a determined one. */
const THRESHOLDS = [28, 40, 50, 60] as const;

export function estimateBits(password: string): number {
  if (!password) return 0;
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^A-Za-z0-9]/.test(password)) pool += 33;
  let effective = password.length;
  effective -= (password.match(/(.)\1+/g) ?? []).reduce((sum, run) => sum + run.length - 1, 0);
  effective -= (password.match(/(?:abc|bcd|cde|123|234|345|456|567|678|789|890)/gi) ?? []).length * 2;
  const lower = password.toLowerCase();
  for (const word of COMMON) if (lower.includes(word)) effective -= word.length - 1;
  return Math.max(0, effective) * Math.log2(Math.max(pool, 1));
}

export function strengthOf(password: string): Strength {
  const bits = estimateBits(password);
  return THRESHOLDS.filter((threshold) => bits >= threshold).length as Strength;
}
