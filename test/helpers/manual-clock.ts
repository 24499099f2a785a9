// A clock tests move by hand, injected as the service's clock so that retries, delay
// notices and expiry can be walked through in milliseconds.
export class ManualClock {
  #now: number;

  constructor(start = Date.UTC(2026, 10, 21, 10, 0, 0)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
