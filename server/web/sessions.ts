// Web sessions: a random token in an HttpOnly cookie, kept here only as its SHA-256 so that
// a memory dump of the server yields no usable cookie. Sessions live in memory: a restart
// logs everyone out, which costs one key derivation in the browser and keeps no session
// state on disk. A session holds no key: the keys stay in the browser.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/context.ts';

export interface WebSession {
  accountId: string;
  /** Sent back by the client in a header on every state-changing request (CSRF defence). */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

/** 256-bit tokens: unguessable, and long enough that hashing needs no salt. */
const TOKEN_BYTES = 32;

export class WebSessions {
  readonly #sessions = new Map<string, WebSession>();
  /** Each live session's map key, so a stream can check its session without the token. */
  readonly #keyOf = new WeakMap<WebSession, string>();
  readonly #clock: Clock;
  readonly #idleMs: number;
  readonly #maxAgeMs: number;

  constructor(options: { clock: Clock; idleMs: number; maxAgeMs: number }) {
    this.#clock = options.clock;
    this.#idleMs = options.idleMs;
    this.#maxAgeMs = options.maxAgeMs;
  }

  create(accountId: string): { token: string; session: WebSession } {
    this.#sweep();
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const now = this.#clock.now();
    const session: WebSession = { accountId, csrfToken: randomBytes(TOKEN_BYTES).toString('base64url'), createdAt: now, lastSeenAt: now };
    const key = hashToken(token);
    this.#sessions.set(key, session);
    this.#keyOf.set(session, key);
    return { token, session };
  }

  /** The live session of a token, marked as used; undefined when unknown or expired. */
  use(token: string): WebSession | undefined {
    const key = hashToken(token);
    const session = this.#sessions.get(key);
    if (!session) return undefined;
    const now = this.#clock.now();
    if (now - session.lastSeenAt > this.#idleMs || now - session.createdAt > this.#maxAgeMs) {
      this.#sessions.delete(key);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  /** Whether a session is still valid, without counting as use (live-update streams). */
  isLive(session: WebSession): boolean {
    const key = this.#keyOf.get(session);
    if (key === undefined || this.#sessions.get(key) !== session) return false;
    const now = this.#clock.now();
    return now - session.lastSeenAt <= this.#idleMs && now - session.createdAt <= this.#maxAgeMs;
  }

  revoke(token: string): void {
    this.#sessions.delete(hashToken(token));
  }

  /** Ends every session of an account (password change, account deletion). */
  revokeAccount(accountId: string, except?: WebSession): void {
    for (const [key, session] of this.#sessions) {
      if (session.accountId === accountId && session !== except) this.#sessions.delete(key);
    }
  }

  get size(): number {
    return this.#sessions.size;
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, session] of this.#sessions) {
      if (now - session.lastSeenAt > this.#idleMs || now - session.createdAt > this.#maxAgeMs) this.#sessions.delete(key);
    }
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function csrfTokenMatches(session: WebSession, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(session.csrfToken);
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
