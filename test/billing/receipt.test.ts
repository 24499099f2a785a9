// A receipt page: printable, self-contained, names only the operator, escapes what it
// prints, and comes with a Content-Security-Policy that allows exactly its own style.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { renderReceiptHtml } from '../../server/core/billing/receipt-html.ts';
import type { ReceiptRecord } from '../../server/core/billing/records.ts';

const receipt: ReceiptRecord = {
  v: 1,
  number: 'R-2026-7K2M-Q9XD',
  issuedDay: '2026-03-10',
  amountCents: 1250,
  currency: 'EUR',
  method: 'voucher',
  servicePeriod: { fromDay: '2026-03-10', toDay: '2027-03-09' },
  issuer: 'Example Mail <b>& Co</b>, Street 1',
};

test('the page holds number, date, amount and period, and escapes the issuer', () => {
  const { html, fileName } = renderReceiptHtml(receipt);
  assert.equal(fileName, 'R-2026-7K2M-Q9XD.html');
  for (const expected of ['R-2026-7K2M-Q9XD', '10 March 2026', '12.50 EUR', '10 March 2026 – 9 March 2027', 'Voucher']) {
    assert.ok(html.includes(expected), expected);
  }
  assert.ok(!html.includes('<b>'), 'operator text is escaped');
  assert.ok(html.includes('&#60;b&#62;&#38; Co'));
  assert.ok(!/<script/i.test(html));
});

test('the Content-Security-Policy allows exactly the inline style and nothing else', () => {
  const { html, contentSecurityPolicy } = renderReceiptHtml(receipt);
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  const hash = createHash('sha256').update(style).digest('base64');
  assert.match(contentSecurityPolicy, new RegExp(`^default-src 'none'; style-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
});

test('a credit too small for a day says it is not tied to a period', () => {
  assert.match(renderReceiptHtml({ ...receipt, servicePeriod: null }).html, /Not tied to a period/);
});
