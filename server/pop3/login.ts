// Login with an app password (DESIGN.md section 2): throttling, then one unlock through the
// core, then a failure answered no sooner than a fixed delay after the attempt began.
// Unknown address and wrong secret already cost the same work in the core; the fixed delay
// also hides what little timing differs and slows guessing on one connection.
// The account password is never accepted here: only key slots of kind 'app-password' open.
import { normalizeAddress } from '../core/addresses.ts';
import type { UnlockedSession } from '../core/accounts.ts';
import { isMailError } from '../core/errors.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { LoginThrottle } from './login-throttle.ts';

export type LoginOutcome =
  | { kind: 'unlocked'; unlocked: UnlockedSession }
  | { kind: 'failed' }
  | { kind: 'throttled' }
  /** The secret was right but the account may not log in (no credit left); the reason is
   * the core's text, safe to show. */
  | { kind: 'disabled'; reason: string };

export class AppPasswordLogin {
  readonly #core: MailCore;
  readonly #throttle: LoginThrottle;
  readonly #failureDelayMs: number;

  constructor(core: MailCore, throttle: LoginThrottle, failureDelayMs: number) {
    this.#core = core;
    this.#throttle = throttle;
    this.#failureDelayMs = failureDelayMs;
  }

  /** `source` is the client's throttling key (login-throttle.ts); it is only counted. */
  async attempt(address: string, secret: string, source: string): Promise<LoginOutcome> {
    const started = performance.now();
    const account = normalizeAddress(address);
    if (this.#throttle.isBlocked(source, account)) {
      await this.#failureDelay(started);
      return { kind: 'throttled' };
    }
    try {
      const unlocked = await this.#core.accounts.unlockWithAppSecret(address, secret, 'app-password');
      this.#throttle.recordSuccess(account);
      return { kind: 'unlocked', unlocked };
    } catch (error) {
      if (isMailError(error, 'ACCOUNT_DISABLED')) return { kind: 'disabled', reason: error.message };
      if (!isMailError(error, 'AUTHENTICATION_FAILED')) throw error;
      this.#throttle.recordFailure(source, account);
      await this.#failureDelay(started);
      return { kind: 'failed' };
    }
  }

  async #failureDelay(started: number): Promise<void> {
    const remaining = this.#failureDelayMs - (performance.now() - started);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  }
}
