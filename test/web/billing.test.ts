// Prepaid credit through the web API (issue 6's core): status, a payment code booked by the
// operator, a voucher, the ledger and a receipt with its own strict policy; and a server
// without billing that says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DOMAIN, startWebTestbed, type BrowserLikeClient, type WebTestbed } from './support.ts';

describe('web billing API', () => {
  let bed: WebTestbed;
  let client: BrowserLikeClient;

  before(async () => {
    bed = await startWebTestbed({ overrides: ['billing.enabled=true', 'billing.trialDays=14'] });
    await bed.createAccount(`payer@${DOMAIN}`);
    client = bed.client();
    await client.login(`payer@${DOMAIN}`);
  });
  after(() => bed.close());

  test('status, a payment code booked by the operator, the ledger and a receipt', async () => {
    const status = await client.request('GET', '/api/billing');
    assert.equal(status.body.enabled, true);
    assert.equal(status.body.state, 'trial');
    assert.equal(status.body.balanceCents, 0);
    const offer = await client.request('POST', '/api/billing/payment-codes', {});
    assert.equal(offer.status, 201);
    assert.match(offer.body.code, /^[0-9A-Z-]{6,}$/);
    assert.ok(offer.body.paymentInstructions.length > 0);
    await bed.core.billing!.paymentCodes.book(offer.body.code, 1200);
    const after = await client.request('GET', '/api/billing');
    assert.equal(after.body.balanceCents, 1200);
    const ledger = await client.request('GET', '/api/billing/ledger');
    assert.equal(ledger.body.entries[0].kind, 'credit');
    assert.equal(ledger.body.entries[0].amountCents, 1200);
    const receipts = await client.request('GET', '/api/billing/receipts');
    const [receipt] = receipts.body.receipts;
    const printable = await client.request('GET', `/api/billing/receipts/${receipt.number}`);
    assert.equal(printable.status, 200);
    assert.match(String(printable.headers['content-type']), /^text\/html/);
    assert.doesNotMatch(String(printable.headers['content-security-policy']), /script-src 'self'/, 'the receipt keeps its own policy');
    assert.ok(printable.raw.body.includes(receipt.number));
    assert.ok(!printable.raw.body.includes(`payer@${DOMAIN}`), 'no address on the receipt');
  });

  test('a voucher credits once', async () => {
    const [code] = await bed.core.billing!.vouchers.create(500, 1);
    const redeemed = await client.request('POST', '/api/billing/vouchers', { code: code!.toLowerCase() });
    assert.equal(redeemed.body.creditedCents, 500);
    const again = await client.request('POST', '/api/billing/vouchers', { code: code! });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'VOUCHER_USED');
    const mistyped = await client.request('POST', '/api/billing/vouchers', { code: 'AAAAA-AAAAA' });
    assert.equal(mistyped.status, 400);
  });

  test('extra storage raises the quota', async () => {
    const before = (await client.request('GET', '/api/billing')).body.quotaBytes;
    const bought = await client.request('PUT', '/api/billing/extra-storage', { steps: 1 });
    assert.equal(bought.body.quotaBytes, before + bought.body.extraStorage.stepBytes);
  });

  test('a server without billing says so', async () => {
    const free = await startWebTestbed();
    try {
      await free.createAccount(`freeloader@${DOMAIN}`);
      const other = free.client();
      await other.login(`freeloader@${DOMAIN}`);
      assert.deepEqual((await other.request('GET', '/api/billing')).body, { enabled: false });
      const refused = await other.request('POST', '/api/billing/payment-codes', {});
      assert.equal(refused.status, 404);
      assert.equal(refused.body.code, 'BILLING_DISABLED');
    } finally {
      await free.close();
    }
  });
});
