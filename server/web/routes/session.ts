// The current web session: who is logged in, and logout (which revokes the token at once;
// the browser wipes its keys itself).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { clearedSessionCookie } from '../cookies.ts';

export async function sessionRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  app.get('/api/session', { schema: { response: { 200: Type.Object({ address: Type.String() }) } } }, async (request) => {
    const account = await context.core.accounts.get(sessionOf(request).accountId);
    return { address: account.address };
  });

  app.post('/api/session/logout', { schema: { response: { 204: Type.Null() } } }, async (request, reply) => {
    if (request.sessionToken) context.sessions.revoke(request.sessionToken);
    void reply.header('set-cookie', clearedSessionCookie()).status(204);
    return null;
  });
}
