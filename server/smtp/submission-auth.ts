// AUTH for submission: an app password unlocks the mailbox (proving it right) and the keys
// are wiped at once, since submission needs none. A failure is answered only after a fixed
// delay from the start of the attempt, so a wrong password for a real address and any
// password for an unknown one take the same time. Failures are counted per client address
// in memory only (DESIGN.md promise 4 allows that, never persisting or logging it); past the
// limit a client is refused for the rest of the window without any lookup.
import type { Clock } from '../core/context.ts';
import { isMailError } from '../core/errors.ts';
import type { MailCore } from '../core/mail-core.ts';

export interface SubmissionUser {
  accountId: string;
}

export type AuthResult =
  | { ok: true; user: SubmissionUser }
  | { ok: false; reason: 'invalid' | 'throttled' }
  /** The password was right but the account may not log in (no credit left). */
  | { ok: false; reason: 'disabled'; message: string };

export interface AuthSettings {
  authFailureDelayMs: number;
  authMaxFailures: number;
  authFailureWindowMs: number;
}

/** The failure map is swept when it grows past this many clients, so a spray of addresses
 * cannot grow memory without bound. */
const SWEEP_THRESHOLD = 10_000;

export class SubmissionAuthenticator {
  readonly #core: MailCore;
  readonly #settings: AuthSettings;
  readonly #clock: Clock;
  readonly #failures = new Map<string, { count: number; windowStart: number }>();

  constructor(core: MailCore, settings: AuthSettings) {
    this.#core = core;
    this.#settings = settings;
    this.#clock = core.context.clock;
  }

  async authenticate(client: string, address: string, secret: string): Promise<AuthResult> {
    const started = performance.now();
    if (this.#isThrottled(client)) {
      await this.#padFailure(started);
      return { ok: false, reason: 'throttled' };
    }
    try {
      const session = await this.#core.accounts.unlockWithAppSecret(address, secret);
      this.#core.context.crypto.wipe(session.keys.masterKey, session.keys.privateKey);
      return { ok: true, user: { accountId: session.accountId } };
    } catch (error) {
      if (isMailError(error, 'ACCOUNT_DISABLED')) return { ok: false, reason: 'disabled', message: error.message };
      if (!isMailError(error, 'AUTHENTICATION_FAILED')) throw error;
      this.#recordFailure(client);
      await this.#padFailure(started);
      return { ok: false, reason: 'invalid' };
    }
  }

  async #padFailure(started: number): Promise<void> {
    const remaining = this.#settings.authFailureDelayMs - (performance.now() - started);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  }

  #isThrottled(client: string): boolean {
    const entry = this.#failures.get(client);
    if (!entry) return false;
    if (this.#clock.now() - entry.windowStart >= this.#settings.authFailureWindowMs) {
      this.#failures.delete(client);
      return false;
    }
    return entry.count >= this.#settings.authMaxFailures;
  }

  #recordFailure(client: string): void {
    const now = this.#clock.now();
    const entry = this.#failures.get(client);
    if (entry && now - entry.windowStart < this.#settings.authFailureWindowMs) entry.count += 1;
    else this.#failures.set(client, { count: 1, windowStart: now });
    if (this.#failures.size > SWEEP_THRESHOLD) {
      for (const [key, value] of this.#failures) {
        if (now - value.windowStart >= this.#settings.authFailureWindowMs) this.#failures.delete(key);
      }
    }
  }
}
