// Who is logged in, and the transitions: login (derive in the worker, send the authKey,
// unlock the returned key material inside the worker), and lock/logout (the worker and its
// keys are thrown away). Stores of the unlocked screens clear themselves through onLogout.
import { api, ApiError, setCsrfToken, type AccountInfo } from '../lib/api.ts';
import { callWorker, terminateWorker } from '../lib/crypto-client.ts';
import { watchIdle } from '../lib/idle.ts';
import type { MessageKey } from '../lib/i18n.svelte.ts';
import { preferences } from './preferences.svelte.ts';
import { router } from './router.svelte.ts';

type Hook = () => void | Promise<void>;

class Session {
  address = $state<string | null>(null);
  account = $state<AccountInfo | null>(null);
  /** What the user is waiting for, as a message key (shown next to a spinner). */
  progress = $state<MessageKey | null>(null);
  /** Why the login screen is shown again, if not by choice. */
  endedBecause = $state<'idle' | 'expired' | null>(null);
  #csrfToken: string | null = null;
  #stopIdleWatch: (() => void) | undefined;
  readonly #onLogout: Hook[] = [];

  constructor() {
    // The keys die with the page; the server session should not outlive them.
    addEventListener('pagehide', () => {
      if (!this.#csrfToken) return;
      void fetch('/api/session/logout', { method: 'POST', keepalive: true, headers: { 'x-csrf-token': this.#csrfToken } }).catch(() => undefined);
    });
  }

  onLogout(hook: Hook): void {
    this.#onLogout.push(hook);
  }

  async login(address: string, password: string): Promise<void> {
    const normalized = address.trim().toLowerCase();
    try {
      this.progress = 'login.deriving';
      const prelogin = await api.prelogin(normalized);
      const { authKey } = await callWorker('deriveForLogin', { password, salt: prelogin.salt, kdf: prelogin.kdf });
      this.progress = 'login.unlocking';
      const { account, csrfToken } = await api.login(normalized, authKey);
      await callWorker('unlock', { account });
      this.#csrfToken = csrfToken;
      setCsrfToken(csrfToken);
      this.address = account.address;
      this.endedBecause = null;
      this.#stopIdleWatch = watchIdle(
        () => preferences.idleMinutes * 60_000,
        () => void this.logout('idle'),
      );
      this.account = await api.account();
    } catch (error) {
      // Whatever was derived from what was typed goes, whether or not it was the password.
      if (!this.address) await callWorker('lock', {}).catch(() => undefined);
      throw error;
    } finally {
      this.progress = null;
    }
  }

  async refreshAccount(): Promise<void> {
    this.account = await api.account();
  }

  /** Locks: revokes the session, throws away the worker and its keys, clears every store. */
  async logout(reason: 'idle' | 'expired' | null = null): Promise<void> {
    this.#stopIdleWatch?.();
    this.#stopIdleWatch = undefined;
    if (this.#csrfToken) await api.logout().catch(() => undefined);
    await callWorker('lock', {}).catch(() => undefined);
    terminateWorker();
    this.#csrfToken = null;
    setCsrfToken(null);
    this.address = null;
    this.account = null;
    this.endedBecause = reason;
    for (const hook of this.#onLogout) await hook();
    router.go({ screen: 'login' }, { replace: true });
  }

  /** A request found the session gone (server restart, expiry): back to the login. */
  handleExpired(error: unknown): boolean {
    if (error instanceof ApiError && error.status === 401 && error.code === 'NOT_AUTHENTICATED' && this.address) {
      this.#csrfToken = null;
      void this.logout('expired');
      return true;
    }
    return false;
  }
}

export const session = new Session();
