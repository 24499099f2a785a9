// Send: the one moment the browser hands the server plaintext (DESIGN.md: outgoing mail to
// other servers must be readable by them). The message lives only in this request's memory:
// local recipients get it through the ingest path (encrypted to their keys at once), remote
// ones through the outbound submitter; nothing of it is logged or kept. The browser stores
// its own encrypted copy in Sent.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { randomBytes } from 'node:crypto';
import { normalizeAddress, splitAddress } from '../../core/addresses.ts';
import { isMailError } from '../../core/errors.ts';
import { createMessageAnalyzer } from '../../mime/structure.ts';
import { receivedHeader } from '../../smtp/received-header.ts';
import { submitterAuthenticationResults } from '../../smtp/submitter-authentication.ts';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { WebError } from '../errors.ts';
import { Address, Base64, Body } from '../schemas.ts';

const RecipientResult = Type.Object({ address: Type.String(), status: Type.Union([Type.Literal('delivered'), Type.Literal('queued'), Type.Literal('failed')]), code: Type.Optional(Type.String()), message: Type.Optional(Type.String()) });

export async function sendRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { core, config } = context;
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
      const owned = new Set(await core.accounts.addresses(accountId));
      const from = normalizeAddress(request.body.from);
      if (!owned.has(from)) throw new WebError('SENDER_NOT_OWNED', 403, 'you can send only from your own addresses');
      const message = Buffer.from(request.body.message, 'base64');
      const analyzer = createMessageAnalyzer();
      analyzer.push(message);
      const { envelope } = analyzer.finish();
      const headerFrom = envelope.from.flatMap((entry) => ('mailbox' in entry ? [`${entry.mailbox}@${entry.host}`.toLowerCase()] : []));
      if (headerFrom.length === 0 || !headerFrom.every((address) => owned.has(address))) {
        throw new WebError('SENDER_NOT_OWNED', 403, 'the From header must name your own addresses');
      }
      const recipients = [...new Set(request.body.recipients.map(normalizeAddress))];
      const refusal = context.sendingLimits.messageRefusal(accountId) ?? context.sendingLimits.recipientRefusal(accountId, recipients.length);
      if (refusal) throw new WebError('SENDING_LIMIT', 429, refusal);
      const content = Buffer.concat([
        receivedHeader({ heloName: 'webmail', hostname: config.hostname, protocol: 'HTTPS', queueId: randomBytes(8).toString('hex'), date: new Date(context.clock.now()) }),
        message,
      ]);
      const results: Static<typeof RecipientResult>[] = [];
      const local: { accountId: string; address: string }[] = [];
      const remote: string[] = [];
      for (const address of recipients) {
        const parts = splitAddress(address);
        if (!parts) {
          results.push({ address, status: 'failed', code: 'ADDRESS_INVALID', message: 'not an address' });
          continue;
        }
        if (!(await core.domains.isLocal(parts.domain))) {
          remote.push(address);
          continue;
        }
        const recipientId = await core.accounts.findIdByAddress(address);
        if (recipientId) local.push({ accountId: recipientId, address });
        else results.push({ address, status: 'failed', code: 'ACCOUNT_NONEXISTENT', message: 'no mailbox has this address' });
      }
      if (local.length > 0) {
        // Only the local copy says who sent it; what goes to other servers stays as submitted.
        const localCopy = Buffer.concat([submitterAuthenticationResults(config.hostname, from), content]);
        try {
          const outcome = await core.ingest.deliver({
            source: 'web',
            recipients: local,
            content: (async function* () {
              yield localCopy;
            })(),
            declaredSize: localCopy.byteLength,
            deliveryLog: { direction: 'in', remote: null, status: 'delivered' },
          });
          const failed = new Map(outcome.failed.map((entry) => [entry.address, entry.error]));
          for (const recipient of local) {
            const error = failed.get(recipient.address);
            results.push(error === undefined ? { address: recipient.address, status: 'delivered' } : failure(recipient.address, error));
          }
        } catch (error) {
          for (const recipient of local) results.push(failure(recipient.address, error));
        }
      }
      if (remote.length > 0) {
        if (!context.outbound) {
          for (const address of remote) {
            results.push({ address, status: 'failed', code: 'REMOTE_DELIVERY_UNAVAILABLE', message: 'this server cannot send to other servers yet' });
          }
        } else {
          try {
            await context.outbound.submit({ accountId, from, recipients: remote, messageId: envelope.messageId, content });
            for (const address of remote) results.push({ address, status: 'queued' });
          } catch (error) {
            for (const address of remote) results.push(failure(address, error));
          }
        }
      }
      const accepted = results.filter((result) => result.status !== 'failed').length;
      if (accepted > 0) context.sendingLimits.record(accountId, accepted);
      return { recipients: results };
    },
  );
}

function failure(address: string, error: unknown): { address: string; status: 'failed'; code: string; message: string } {
  if (isMailError(error)) return { address, status: 'failed', code: error.code, message: error.message };
  return { address, status: 'failed', code: 'DELIVERY_FAILED', message: 'the message could not be delivered' };
}
