// Prepaid credit in the web client (issue 6, core/billing): the balance and what it pays
// for, payment codes to quote with a bank transfer or a letter, vouchers, the ledger and
// receipts (printable HTML with no name or address on it), and extra storage. A server
// without billing answers { enabled: false } and refuses the rest.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Billing } from '../../core/billing/billing.ts';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { WebError } from '../errors.ts';
import { Body } from '../schemas.ts';

const VoucherBody = Body({ code: Type.String({ minLength: 1, maxLength: 64 }) });
const StorageBody = Body({ steps: Type.Integer({ minimum: 0, maximum: 1000 }) });
const ReceiptParams = Type.Object({ number: Type.String({ pattern: '^R-[0-9]{4}(-[0-9A-Z]{1,8}){1,2}$' }) });

export async function billingRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { core } = context;

  function billing(): Billing {
    if (!core.billing) throw new WebError('BILLING_DISABLED', 404, 'this server does not charge for mailboxes');
    return core.billing;
  }

  app.get('/api/billing', async (request) => {
    if (!core.billing) return { enabled: false };
    return { enabled: true, ...(await core.billing.status(sessionOf(request).accountId)) };
  });

  app.post('/api/billing/payment-codes', { schema: { body: Type.Optional(Body({})) } }, async (request, reply) => {
    const offer = await billing().requestPaymentCode(sessionOf(request).accountId);
    void reply.status(201);
    return offer;
  });

  app.post<{ Body: Static<typeof VoucherBody> }>('/api/billing/vouchers', { schema: { body: VoucherBody } }, async (request) =>
    billing().redeemVoucher(sessionOf(request).accountId, request.body.code),
  );

  app.get('/api/billing/ledger', async (request) => ({ entries: await billing().ledgerEntries(sessionOf(request).accountId) }));

  app.get('/api/billing/receipts', async (request) => ({ receipts: await billing().receipts(sessionOf(request).accountId) }));

  app.get<{ Params: Static<typeof ReceiptParams> }>('/api/billing/receipts/:number', { schema: { params: ReceiptParams } }, async (request, reply) => {
    const receipt = await billing().receiptHtml(sessionOf(request).accountId, request.params.number);
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      // The receipt's own policy: its inline style and nothing else (receipt-html.ts).
      .header('content-security-policy', receipt.contentSecurityPolicy)
      .header('content-disposition', `inline; filename="${receipt.fileName}"`);
    return receipt.html;
  });

  app.put<{ Body: Static<typeof StorageBody> }>('/api/billing/extra-storage', { schema: { body: StorageBody } }, async (request) =>
    billing().setExtraStorage(sessionOf(request).accountId, request.body.steps),
  );
}
