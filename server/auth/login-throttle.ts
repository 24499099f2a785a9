// Throttling of failed app-password logins per source (the client's address, an IPv6 /64).
// In memory only (docs/design.md promise 4): the source keys live in this Map and nowhere else,
// are never logged, and vanish with the process or when their window ends.
//
// There is no count per account address: app passwords carry 128 bits or more, so guessing
// one is hopeless anyway, and such a count let 120 wrong logins from a few addresses keep the
// owner's right app password out for 15 minutes (docs/design.md promise 9).
import type { Clock } from '../core/context.ts';

export interface LoginThrottleLimits {
  /** Failures are counted in fixed windows of this length per source. */
  windowMs: number;
  maxFailuresPerSource: number;
}

interface FailureCount {
  failures: number;
  windowStart: number;
}

/** Bounds memory under a distributed attack (about 100 bytes an entry, 10 MB in all); the
 * least recently failed sources are forgotten first. */
const MAX_TRACKED_SOURCES = 100_000;

export class LoginThrottle {
  readonly #limits: LoginThrottleLimits;
  readonly #clock: Clock;
  readonly #counts = new Map<string, FailureCount>();

  constructor(limits: LoginThrottleLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** True when the source used up its failures in the current window: the attempt is then
   * refused without checking the secret. A success does not reset it, or one valid login
   * would reset an attacker's count for guessing other accounts. */
  isBlocked(source: string): boolean {
    return this.#failures(source) >= this.#limits.maxFailuresPerSource;
  }

  recordFailure(source: string): void {
    const failures = this.#failures(source);
    const previous = this.#counts.get(source);
    this.#counts.delete(source); // re-inserted last: the Map's order is the eviction order
    this.#counts.set(source, { failures: failures + 1, windowStart: previous?.windowStart ?? this.#clock.now() });
    while (this.#counts.size > MAX_TRACKED_SOURCES) {
      const oldest = this.#counts.keys().next().value;
      if (oldest === undefined) break;
      this.#counts.delete(oldest);
    }
  }

  #failures(source: string): number {
    const count = this.#counts.get(source);
    if (!count) return 0;
    if (this.#clock.now() - count.windowStart >= this.#limits.windowMs) {
      this.#counts.delete(source);
      return 0;
    }
    return count.failures;
  }
}
