// The MTA-STS policy file (RFC 8461 section 3.2), served at
// https://mta-sts.<domain>/.well-known/mta-sts.txt: `sealpost dns` tells operators to point
// that host at this server. Every domain here shares the one mail host, so one policy
// serves them all, whatever the Host header; its mode is smtp.mx.mtaStsMode, which also
// goes into the policy id `sealpost dns` prints.
import type { FastifyInstance } from 'fastify';
import { mtaStsPolicy } from '../../dns/records.ts';
import type { WebContext } from '../context.ts';

export async function mtaStsRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  app.get('/.well-known/mta-sts.txt', async (_request, reply) => {
    // Section 3.3: senders cache by max_age themselves; an HTTP cache adds nothing.
    void reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store');
    return mtaStsPolicy(context.config.hostname, context.config.smtp.mx.mtaStsMode);
  });
}
