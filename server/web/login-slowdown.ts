// Failed web logins for one account address slow further attempts down instead of refusing
// them (docs/design.md promise 9): refusing let ten wrong passwords a minute, from anyone,
// keep the owner out for good. Past a few free failures, attempts for the address are let
// through one at a time, each a growing delay after the one before (doubling up to a cap), so
// guessing runs at one try per delay however many connections it uses. Only when the queue
// is longer than maxWaitMs (a minute) is an attempt refused, with Retry-After. A browser holding the
// address's device cookie (device-cookie.ts) does not queue at all.
//
// In memory only; the keys are account addresses, never client addresses.
import type { Clock } from '../core/context.ts';
import { WebError } from './errors.ts';

export interface LoginSlowdownSettings {
  /** Failures in a window before attempts are spaced out. */
  freeFailures: number;
  /** The spacing after the first failure past the free ones; it doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  /** An attempt that would wait longer is refused instead of held (each holds a request). */
  maxWaitMs: number;
}

interface AddressState {
  failures: number;
  windowStart: number;
  /** When the next queued attempt may run, on performance.now()'s scale: the queue is
   * waited out with real timers, whatever clock counts the window. */
  nextSlot: number;
}

/** Bounds memory under a flood of made-up addresses; the oldest are forgotten first. */
const MAX_TRACKED_ADDRESSES = 100_000;

export class LoginSlowdown {
  readonly #settings: LoginSlowdownSettings;
  readonly #clock: Clock;
  readonly #addresses = new Map<string, AddressState>();

  constructor(settings: LoginSlowdownSettings, clock: Clock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  /** Resolves when an attempt for `address` may be checked; throws RATE_LIMITED when the
   * queue for it is too long. */
  async admit(address: string): Promise<void> {
    const state = this.#current(address);
    if (!state || state.failures < this.#settings.freeFailures) return;
    const now = performance.now();
    const slot = Math.max(now, state.nextSlot);
    if (slot - now > this.#settings.maxWaitMs)
      throw new WebError('RATE_LIMITED', 429, 'too many failed logins for this address; try again later', Math.ceil((slot - now) / 1000));
    state.nextSlot = slot + this.#delay(state.failures);
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }

  recordFailure(address: string): void {
    const state = this.#current(address) ?? { failures: 0, windowStart: this.#clock.now(), nextSlot: 0 };
    state.failures += 1;
    this.#addresses.delete(address); // re-inserted last: the Map's order is the eviction order
    this.#addresses.set(address, state);
    while (this.#addresses.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.#addresses.keys().next().value;
      if (oldest === undefined) break;
      this.#addresses.delete(oldest);
    }
  }

  /** The right password ends the slowdown for everyone: whoever guessed has nothing to gain. */
  recordSuccess(address: string): void {
    this.#addresses.delete(address);
  }

  #current(address: string): AddressState | undefined {
    const state = this.#addresses.get(address);
    if (state && this.#clock.now() - state.windowStart >= this.#settings.windowMs) {
      this.#addresses.delete(address);
      return undefined;
    }
    return state;
  }

  #delay(failures: number): number {
    const doublings = Math.min(failures - this.#settings.freeFailures, 30);
    return Math.min(this.#settings.maxDelayMs, this.#settings.baseDelayMs * 2 ** doublings);
  }
}
