// Login with an app password (docs/design.md, Keys), the one implementation behind IMAP,
// POP3 and submission: throttling, then one unlock through the core, then a failure
// answered no sooner than a fixed delay after the attempt began. Unknown address, wrong or
// malformed secret and throttling all take that same time and give the same outcome, so the
// answer tells nothing about which addresses exist; the delay also slows guessing on one
// connection. The account password is never accepted here: only key slots of kind
// 'app-password' open. Each protocol maps the outcome to its own replies.
import type { UnlockedSession } from '../core/accounts.ts';
import type { AppPasswordScope } from '../core/records.ts';
import { isMailError } from '../core/errors.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { LoginThrottle } from './login-throttle.ts';

export type LoginOutcome =
  | { kind: 'unlocked'; unlocked: UnlockedSession }
  | { kind: 'failed' }
  | { kind: 'throttled' }
  /** The secret was right but the account may not log in (lifecycle: no credit left); the
   * reason is the core's text, safe to show to whoever knew the secret. */
  | { kind: 'disabled'; reason: string };

/** Longest address or secret considered: far above any real one (an address is at most 254
 * characters, an app password under 100), and it keeps huge input out of the throttle's
 * keys and the key derivation. */
const MAX_CREDENTIAL_LENGTH = 1024;

export class AppPasswordLogin {
  readonly #core: MailCore;
  readonly #throttle: LoginThrottle;
  readonly #failureDelayMs: number;
  readonly #protocol: AppPasswordScope;

  /** `protocol` is checked against each app password's scope. */
  constructor(core: MailCore, throttle: LoginThrottle, failureDelayMs: number, protocol: AppPasswordScope) {
    this.#core = core;
    this.#throttle = throttle;
    this.#failureDelayMs = failureDelayMs;
    this.#protocol = protocol;
  }

  /** `source` is the client's throttling key (clientSourceOf); it is only counted. Errors
   * other than a failed or refused unlock (a store fault) are thrown for the caller to
   * report as temporary. */
  async attempt(address: string, secret: string, source: string): Promise<LoginOutcome> {
    const started = performance.now();
    if (address.length > MAX_CREDENTIAL_LENGTH || secret.length > MAX_CREDENTIAL_LENGTH) {
      this.#throttle.recordFailure(source);
      return this.#failure(started, { kind: 'failed' });
    }
    if (this.#throttle.isBlocked(source)) return this.#failure(started, { kind: 'throttled' });
    try {
      const unlocked = await this.#core.accounts.unlockWithAppSecret(address, secret, 'app-password', this.#protocol);
      return { kind: 'unlocked', unlocked };
    } catch (error) {
      // Not delayed: the core says it only once the secret proved right.
      if (isMailError(error, 'ACCOUNT_DISABLED')) return { kind: 'disabled', reason: error.message };
      if (!isMailError(error, 'AUTHENTICATION_FAILED')) throw error;
      this.#throttle.recordFailure(source);
      return this.#failure(started, { kind: 'failed' });
    }
  }

  async #failure<Outcome extends LoginOutcome>(started: number, outcome: Outcome): Promise<Outcome> {
    const remaining = this.#failureDelayMs - (performance.now() - started);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    return outcome;
  }
}
