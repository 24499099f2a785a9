// In-memory rate limits (docs/design.md promise 4 allows limiting by client address as long as
// it is never persisted): fixed windows per (rule, subject), where the subject is a client
// (clientSourceOf: an address, an IPv6 /64). Failed logins per account address slow down
// instead (login-slowdown.ts). Nothing here is written anywhere or logged; a restart
// forgets it all.
import type { Clock } from '../core/context.ts';
import { WebError } from './errors.ts';

export interface RateRule {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

interface Window {
  startedAt: number;
  count: number;
}

/** Above this many tracked windows, expired ones are dropped before adding another, so a
 * flood of distinct subjects cannot grow memory without bound. */
const SWEEP_THRESHOLD = 10_000;

export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Counts one request; returns the milliseconds to wait when over the limit, else 0. */
  hit(ruleName: string, rule: RateRule, subject: string): number {
    const now = this.#clock.now();
    const key = `${ruleName}\0${subject}`;
    let window = this.#windows.get(key);
    if (!window || now - window.startedAt >= rule.windowMs) {
      if (this.#windows.size >= SWEEP_THRESHOLD) this.#sweep(now, rule.windowMs);
      window = { startedAt: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return window.count > rule.limit ? window.startedAt + rule.windowMs - now : 0;
  }

  #sweep(now: number, windowMs: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.startedAt >= windowMs) this.#windows.delete(key);
    }
  }
}

/** The limits of the web API's unauthenticated endpoints. */
export const RATE_RULES = {
  /** Login attempts per client address: enough for typos, too few for guessing. */
  loginByClient: { limit: 20, windowMs: 60_000 },
  /** Re-entering the password (password or recovery-code change, account deletion) per
   * account: a person needs a few; a stolen session cookie must not guess. */
  reauthByAccount: { limit: 10, windowMs: 15 * 60_000 },
  /** Pre-login and availability lookups per client address. */
  lookupByClient: { limit: 60, windowMs: 60_000 },
  /** Signups per client address: a family behind one router may sign up a few. */
  signupByClient: { limit: 10, windowMs: 3_600_000 },
} satisfies Record<string, RateRule>;

/** Counts one request against a rule; throws RATE_LIMITED (with Retry-After) past it. */
export function enforceRate(limiter: RateLimiter, ruleName: keyof typeof RATE_RULES, subject: string): void {
  const waitMs = limiter.hit(ruleName, RATE_RULES[ruleName], subject);
  if (waitMs > 0) throw new WebError('RATE_LIMITED', 429, 'too many requests; try again later', Math.ceil(waitMs / 1000));
}
