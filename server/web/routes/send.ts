// Send: the one moment the browser hands the server plaintext (docs/design.md: outgoing mail
// to other servers must be readable by them). The message lives only in this request's
// memory and goes through the sending service (server/sending/), as SMTP submission does:
// local recipients get it through the ingest path (encrypted to their keys at once), remote
// ones through the outbound queue; nothing of it is logged or kept. The browser stores its
// own encrypted copy in Sent. This route keeps only the HTTP side: recipients that cannot be
// routed are reported one by one while the others are sent.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { normalizeAddress } from '../../core/addresses.ts';
import { isMailError } from '../../core/errors.ts';
import type { SendRoute } from '../../sending/sending-service.ts';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { Address, Base64, Body } from '../schemas.ts';

const RecipientResult = Type.Object({
  address: Type.String(),
  status: Type.Union([Type.Literal('delivered'), Type.Literal('queued'), Type.Literal('failed')]),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});
type RecipientResult = Static<typeof RecipientResult>;

export async function sendRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { config, sending } = context;
  const SendBody = Body({
    from: Address,
    recipients: Type.Array(Address, { minItems: 1, maxItems: config.limits.recipientsPerMessage }),
    message: Base64(config.limits.messageMaxBytes, { minBytes: 1 }),
  });

  app.post<{ Body: Static<typeof SendBody> }>(
    '/api/send',
    {
      bodyLimit: Math.ceil((config.limits.messageMaxBytes * 4) / 3) + 64 * 1024,
      schema: { body: SendBody, response: { 200: Type.Object({ recipients: Type.Array(RecipientResult) }) } },
    },
    async (request) => {
      const { accountId } = sessionOf(request);
      const from = normalizeAddress(request.body.from);
      const message = Buffer.from(request.body.message, 'base64');
      const recipients = [...new Set(request.body.recipients.map(normalizeAddress))];
      await sending.checkSender(accountId, from);
      sending.checkRecipientCount(accountId, recipients.length);
      const results: RecipientResult[] = [];
      const routes: SendRoute[] = [];
      for (const address of recipients) {
        try {
          routes.push(await sending.route(address, message.byteLength));
        } catch (error) {
          if (!isMailError(error)) throw error;
          results.push(failure(address, error));
        }
      }
      if (routes.length === 0) return { recipients: results };
      const outcome = await sending.send({
        source: 'web',
        accountId,
        from,
        routes,
        content: (async function* () {
          yield message;
        })(),
        declaredSize: message.byteLength,
        received: { protocol: 'HTTPS', heloName: 'webmail' },
      });
      const failed = new Map(outcome.failed.map((entry) => [entry.address, entry.error]));
      for (const route of routes) {
        if (route.kind === 'remote') {
          results.push({ address: route.address, status: 'queued' });
          continue;
        }
        const error = failed.get(route.recipient.address);
        results.push(error === undefined ? { address: route.recipient.address, status: 'delivered' } : failure(route.recipient.address, error));
      }
      return { recipients: results };
    },
  );
}

function failure(address: string, error: unknown): RecipientResult {
  if (isMailError(error)) return { address, status: 'failed', code: error.code, message: error.message };
  return { address, status: 'failed', code: 'DELIVERY_FAILED', message: 'the message could not be delivered' };
}
