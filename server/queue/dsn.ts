// Delivery status notifications (RFC 3464) as multipart/report (RFC 6522): a sentence for the
// person, a message/delivery-status part for software, and the original header section
// (text/rfc822-headers) so the sender can tell which message it was. A DSN goes to the
// sender's own Inbox through the ingest path; it is never queued, so no DSN is ever sent
// about a DSN (RFC 3461 section 6.2), and a message with a null sender gets none at all.
import { randomBytes } from 'node:crypto';
import { formatRfc5322Date } from '../../mime/date.ts';

export interface DsnRecipient {
  address: string;
  /** RFC 3463 status code. */
  status: string;
  /** What went wrong, in words: the remote reply or our own diagnosis. */
  diagnostic: string;
  /** The remote server's reply line, when there was one. */
  remoteReply: string | null;
  /** The MX host the last attempt talked to, when there was one. */
  remoteMta: string | null;
  lastAttemptAt: number | null;
}

export interface DsnRequest {
  action: 'failed' | 'delayed';
  reportingMta: string;
  sender: string;
  queueId: string;
  arrivalDate: number;
  now: number;
  recipients: DsnRecipient[];
  /** The original header section, CRLF-terminated; null when it is unreadable. */
  originalHeaders: Uint8Array | null;
  originalMessageId: string | null;
  /** For "delayed": when the queue gives up. */
  retryUntil?: number;
}

export function buildDsn(request: DsnRequest): Uint8Array {
  const boundary = `sealpost-report-${randomBytes(12).toString('hex')}`;
  const date = (time: number) => formatRfc5322Date(new Date(time));
  const failed = request.action === 'failed';
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${request.reportingMta}>`,
    `To: <${request.sender}>`,
    `Subject: ${failed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    `Date: ${date(request.now)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}.dsn@${request.reportingMta}>`,
    ...(request.originalMessageId ? [`In-Reply-To: ${request.originalMessageId}`, `References: ${request.originalMessageId}`] : []),
    // RFC 3834: automatic replies must not trigger vacation notices or other auto-replies.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated delivery status notification.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...humanPart(request),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${request.reportingMta}`,
    `X-Sealpost-Queue-ID: ${request.queueId}`,
    `Arrival-Date: ${date(request.arrivalDate)}`,
    ...request.recipients.flatMap((recipient) => [
      '',
      `Final-Recipient: rfc822; ${recipient.address}`,
      `Action: ${request.action}`,
      `Status: ${recipient.status}`,
      ...(recipient.remoteMta ? [`Remote-MTA: dns; ${recipient.remoteMta}`] : []),
      ...(recipient.remoteReply ? [`Diagnostic-Code: smtp; ${recipient.remoteReply}`] : []),
      ...(recipient.lastAttemptAt !== null ? [`Last-Attempt-Date: ${date(recipient.lastAttemptAt)}`] : []),
      ...(request.retryUntil !== undefined && !failed ? [`Will-Retry-Until: ${date(request.retryUntil)}`] : []),
    ]),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
  ];
  const head = Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  const headers = request.originalHeaders ? Buffer.from(request.originalHeaders) : Buffer.from('(the original header section could not be read)\r\n');
  return Buffer.concat([head, headers, Buffer.from(`\r\n--${boundary}--\r\n`)]);
}

function humanPart(request: DsnRequest): string[] {
  const intro =
    request.action === 'failed'
      ? ['Your message could not be delivered to the following recipients. It will not be retried.']
      : [
          'Your message has not been delivered yet to the following recipients. This is only a notice:',
          `delivery is still being retried${request.retryUntil !== undefined ? ` until ${formatRfc5322Date(new Date(request.retryUntil))}` : ''}.`,
        ];
  return [...intro, '', ...request.recipients.map((recipient) => `<${recipient.address}>: ${recipient.diagnostic}`)];
}
