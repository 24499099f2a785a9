// The guard of the authenticated child context: a live session from the cookie, and for
// every request that is not a plain read, the session's CSRF token in a header. The header
// cannot be set by another site's form or image, and SameSite=Strict already keeps the
// cookie from cross-site requests: two independent defences.
import type { FastifyRequest } from 'fastify';
import { readCookie, SESSION_COOKIE } from './cookies.ts';
import type { WebContext } from './context.ts';
import { WebError } from './errors.ts';
import { csrfTokenMatches, type WebSession } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard for routes of the authenticated context. */
    session: WebSession | null;
    sessionToken: string | null;
  }
}

export const CSRF_HEADER = 'x-csrf-token';
const READ_METHODS = new Set(['GET', 'HEAD']);

export function createSessionGuard(context: WebContext) {
  return async function requireSession(request: FastifyRequest): Promise<void> {
    if (request.headers['sec-fetch-site'] === 'cross-site') throw new WebError('CSRF_REJECTED', 403, 'cross-site requests are refused');
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    const session = token ? context.sessions.use(token) : undefined;
    if (!token || !session) throw new WebError('NOT_AUTHENTICATED', 401, 'not logged in, or the session expired');
    if (!READ_METHODS.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (!csrfTokenMatches(session, typeof presented === 'string' ? presented : undefined)) {
        throw new WebError('CSRF_REJECTED', 403, 'missing or wrong CSRF token');
      }
    }
    request.session = session;
    request.sessionToken = token;
  };
}

/** The session of a request that passed the guard. */
export function sessionOf(request: FastifyRequest): WebSession {
  if (!request.session) throw new WebError('NOT_AUTHENTICATED', 401, 'not logged in');
  return request.session;
}
