// Failed-login throttling, in memory only: counts per client address and per account
// address in a sliding window. Nothing here is ever written to disk or logged (DESIGN.md
// promise 4); a restart forgets it, which is fine, since app passwords are far too strong
// to guess and the throttle only keeps brute force and credential stuffing expensive.

/** How long a failure counts. */
const WINDOW_MS = 15 * 60_000;
/** Entries kept at most, so that a flood of source addresses cannot exhaust memory; the
 * oldest are dropped first. */
const MAX_ENTRIES = 100_000;

export interface ThrottleLimits {
  perClient: number;
  perAccount: number;
}

export class LoginThrottle {
  readonly #limits: ThrottleLimits;
  readonly #now: () => number;
  /** key → failure times, oldest first. Map order is insertion order: oldest keys first. */
  readonly #failures = new Map<string, number[]>();

  constructor(limits: ThrottleLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /** True when either key has used up its failures in the window. */
  isBlocked(client: string, account: string): boolean {
    return this.#count(`c:${client}`) >= this.#limits.perClient || this.#count(`a:${account.toLowerCase()}`) >= this.#limits.perAccount;
  }

  recordFailure(client: string, account: string): void {
    this.#add(`c:${client}`);
    this.#add(`a:${account.toLowerCase()}`);
  }

  /** A success clears the client's record (a user who mistyped is not kept waiting). */
  recordSuccess(client: string): void {
    this.#failures.delete(`c:${client}`);
  }

  #count(key: string): number {
    const times = this.#failures.get(key);
    if (!times) return 0;
    const cutoff = this.#now() - WINDOW_MS;
    while (times.length > 0 && times[0]! <= cutoff) times.shift();
    if (times.length === 0) this.#failures.delete(key);
    return times.length;
  }

  #add(key: string): void {
    this.#count(key);
    const times = this.#failures.get(key) ?? [];
    times.push(this.#now());
    this.#failures.delete(key);
    this.#failures.set(key, times);
    while (this.#failures.size > MAX_ENTRIES) this.#failures.delete(this.#failures.keys().next().value!);
  }
}
