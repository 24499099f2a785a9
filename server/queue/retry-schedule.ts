// When a deferred message is tried again: the wait doubles after every attempt, from the
// minimum to the maximum (both configuration; Postfix's defaults of 300 s and 4000 s), so a
// short outage costs minutes and a long one costs few connections.

export interface RetryPolicy {
  retryMinSeconds: number;
  retryMaxSeconds: number;
}

/** Milliseconds to wait after the given number of attempts (1 = after the first). */
export function retryDelayMs(attempts: number, policy: RetryPolicy): number {
  const doublings = Math.min(Math.max(attempts - 1, 0), MAX_DOUBLINGS);
  return Math.min(policy.retryMinSeconds * 2 ** doublings, policy.retryMaxSeconds) * 1000;
}

/** 2^30 times any minimum exceeds every sensible maximum; the cap keeps the arithmetic finite. */
const MAX_DOUBLINGS = 30;
