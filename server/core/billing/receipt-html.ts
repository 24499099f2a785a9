// A receipt as a self-contained, printable HTML page (the browser's Print turns it into a
// PDF; no PDF library is part of Sealpost). It names the operator who issues it and nobody
// else. Its only style is inline, allowed by a hash in the Content-Security-Policy that
// comes with it, and no script runs in it.
import { createHash } from 'node:crypto';
import { formatCents } from './ledger.ts';
import type { ReceiptRecord } from './records.ts';

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; color: #111; max-width: 40em; margin: 3em auto; padding: 0 1em; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
table { border-collapse: collapse; width: 100%; margin: 1.5em 0; }
th, td { text-align: left; padding: 0.4em 0.6em; border-bottom: 1px solid #ccc; vertical-align: top; }
th { width: 40%; font-weight: 600; }
.amount { font-size: 1.2em; font-weight: 700; }
.note { color: #444; font-size: 0.9em; }
@media print { .screen-only { display: none; } body { margin: 0; } }
`;

const METHOD_TEXT: Record<ReceiptRecord['method'], string> = {
  'payment-code': 'Payment with a payment code (bank transfer or cash)',
  voucher: 'Voucher',
};

export interface RenderedReceipt {
  html: string;
  /** Send as the response's Content-Security-Policy: it allows exactly this page's style. */
  contentSecurityPolicy: string;
  fileName: string;
}

export function renderReceiptHtml(receipt: ReceiptRecord): RenderedReceipt {
  const period = receipt.servicePeriod
    ? `${formatDay(receipt.servicePeriod.fromDay)} – ${formatDay(receipt.servicePeriod.toDay)}`
    : 'Not tied to a period (the credit stays on the balance)';
  const rows: [string, string][] = [
    ['Receipt number', receipt.number],
    ['Date', formatDay(receipt.issuedDay)],
    ['Issued by', receipt.issuer],
    ['For', 'Prepaid credit for a mailbox'],
    ['Paid by', METHOD_TEXT[receipt.method]],
    ['Service period', period],
  ];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Receipt ${escapeHtml(receipt.number)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Receipt</h1>
<p class="note">${escapeHtml(receipt.issuer)}</p>
<table>
${rows.map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}
<tr><th>Amount received</th><td class="amount">${escapeHtml(formatCents(receipt.amountCents, receipt.currency))}</td></tr>
</table>
<p class="note">The service period is what the credit pays for at the price in force when it was booked. This receipt names no customer: the mailbox is anonymous.</p>
<p class="note screen-only">To keep it as a PDF, use your browser's Print command and choose "Save as PDF".</p>
</body>
</html>
`;
  const styleHash = createHash('sha256').update(STYLE).digest('base64');
  return {
    html,
    contentSecurityPolicy: `default-src 'none'; style-src 'sha256-${styleHash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`,
    fileName: `${receipt.number}.html`,
  };
}

function formatDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
