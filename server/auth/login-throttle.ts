// Throttling of failed logins, per source (the client's address) and per account address.
// In memory only (docs/design.md promise 4): the source keys live in this Map and nowhere else,
// are never logged, and vanish with the process or when their window ends.
//
// The account key is the address as typed, normalised, whether or not an account has it:
// the throttle then behaves the same for unknown addresses, so it tells nothing about which
// addresses exist.
import type { Clock } from '../core/context.ts';

export interface LoginThrottleLimits {
  /** Failures are counted in fixed windows of this length per key. */
  windowMs: number;
  maxFailuresPerSource: number;
  maxFailuresPerAccount: number;
}

interface FailureCount {
  failures: number;
  windowStart: number;
}

/** Bounds memory under a distributed attack (about 100 bytes an entry, 10 MB in all); the
 * least recently failed keys are forgotten first. */
const MAX_TRACKED_KEYS = 100_000;

export class LoginThrottle {
  readonly #limits: LoginThrottleLimits;
  readonly #clock: Clock;
  readonly #counts = new Map<string, FailureCount>();

  constructor(limits: LoginThrottleLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** True when either key used up its failures in the current window: the attempt is then
   * refused without checking the secret. */
  isBlocked(source: string, account: string): boolean {
    return this.#failures(sourceKey(source)) >= this.#limits.maxFailuresPerSource || this.#failures(accountKey(account)) >= this.#limits.maxFailuresPerAccount;
  }

  /** `account` is null when the input named no possible address (only the source counts). */
  recordFailure(source: string, account: string | null): void {
    this.#count(sourceKey(source));
    if (account !== null) this.#count(accountKey(account));
  }

  /** The account's own failures are forgiven once its secret was given; the source's are
   * not, or one valid login would reset an attacker's count for guessing other accounts. */
  recordSuccess(account: string): void {
    this.#counts.delete(accountKey(account));
  }

  #failures(key: string): number {
    const count = this.#counts.get(key);
    if (!count) return 0;
    if (this.#clock.now() - count.windowStart >= this.#limits.windowMs) {
      this.#counts.delete(key);
      return 0;
    }
    return count.failures;
  }

  #count(key: string): void {
    const failures = this.#failures(key);
    const previous = this.#counts.get(key);
    this.#counts.delete(key); // re-inserted last: the Map's order is the eviction order
    this.#counts.set(key, { failures: failures + 1, windowStart: previous?.windowStart ?? this.#clock.now() });
    while (this.#counts.size > MAX_TRACKED_KEYS) {
      const oldest = this.#counts.keys().next().value;
      if (oldest === undefined) break;
      this.#counts.delete(oldest);
    }
  }
}

const sourceKey = (source: string) => `source:${source}`;
const accountKey = (account: string) => `account:${account}`;
