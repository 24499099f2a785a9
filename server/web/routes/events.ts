// Live updates for the web client as server-sent events: new mail, flag changes and
// expunges from any session (IMAP, POP3, another tab), folder changes. Events carry ids and
// numbers only (server/core/events.ts), never content. The stream ends when the session
// does (logout, expiry, password change).
import type { FastifyInstance } from 'fastify';
import type { MailEvent } from '../../core/events.ts';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';

/** A comment line this often keeps proxies from closing an idle stream, and notices a
 * session that ended. */
const HEARTBEAT_MS = 20_000;

export async function eventRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const open = new Set<() => void>();
  // Before the server stops listening: it would otherwise wait for these streams forever.
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.get('/api/events', async (request, reply) => {
    const session = sessionOf(request);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'x-content-type-options': 'nosniff',
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 3000\n\n');
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      open.delete(close);
      clearInterval(heartbeat);
      unsubscribe();
      response.end();
    };
    const unsubscribe = context.core.events.subscribe(session.accountId, (event: MailEvent) => {
      // The account is the stream's own: the id adds nothing and stays out of the page.
      const { accountId: _accountId, ...data } = event;
      response.write(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
      if (event.type === 'account-deleted') close();
    });
    const heartbeat = setInterval(() => {
      if (!context.sessions.isLive(session)) close();
      else response.write(': heartbeat\n\n');
    }, HEARTBEAT_MS);
    open.add(close);
    request.raw.on('close', close);
  });
}
