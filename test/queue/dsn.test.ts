// DSNs (RFC 3464 inside RFC 6522 multipart/report) as a MIME parser sees them: three parts,
// per-recipient fields, the original header section, and auto-reply marking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { buildDsn } from '../../server/queue/dsn.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

test('a failure report parses as multipart/report with delivery-status and the original headers', async () => {
  const dsn = buildDsn({
    action: 'failed',
    reportingMta: 'mail.sealpost.test',
    sender: 'alice@sealpost.test',
    queueId: '0123456789abcdef',
    arrivalDate: NOW - 60_000,
    now: NOW,
    recipients: [
      {
        address: 'nobody@example.org',
        status: '5.1.1',
        diagnostic: 'mx.example.org answered RCPT: 550 5.1.1 No such user',
        remoteReply: '550 5.1.1 No such user',
        remoteMta: 'mx.example.org',
        lastAttemptAt: NOW - 1000,
      },
      {
        address: 'ghost@nxdomain.example',
        status: '5.1.2',
        diagnostic: 'the domain nxdomain.example does not exist',
        remoteReply: null,
        remoteMta: null,
        lastAttemptAt: NOW - 1000,
      },
    ],
    originalHeaders: Buffer.from('From: alice@sealpost.test\r\nSubject: Hello\r\nMessage-ID: <orig@sealpost.test>\r\n'),
    originalMessageId: '<orig@sealpost.test>',
  });
  const text = Buffer.from(dsn).toString();
  const parsed = await simpleParser(Buffer.from(dsn));
  assert.equal(parsed.subject, 'Undelivered Mail Returned to Sender');
  assert.equal(parsed.inReplyTo, '<orig@sealpost.test>');
  assert.equal(parsed.headers.get('auto-submitted'), 'auto-replied');
  assert.match(String((parsed.headers.get('content-type') as { value: string; params: Record<string, string> }).value), /^multipart\/report$/);
  assert.equal((parsed.headers.get('content-type') as { params: Record<string, string> }).params['report-type'], 'delivery-status');
  assert.match(parsed.text ?? '', /<nobody@example\.org>: mx\.example\.org answered RCPT: 550 5\.1\.1 No such user/);
  const contentTypes = [...text.matchAll(/^Content-Type: ([^;\r]+)/gm)].map((match) => match[1]);
  assert.deepEqual(contentTypes, ['multipart/report', 'text/plain', 'message/delivery-status', 'text/rfc822-headers']);
  assert.match(text, /\r\nReporting-MTA: dns; mail\.sealpost\.test\r\n/);
  assert.match(
    text,
    /\r\n\r\nFinal-Recipient: rfc822; nobody@example\.org\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.example\.org\r\nDiagnostic-Code: smtp; 550 5\.1\.1 No such user\r\nLast-Attempt-Date: /,
  );
  assert.match(text, /\r\n\r\nFinal-Recipient: rfc822; ghost@nxdomain\.example\r\nAction: failed\r\nStatus: 5\.1\.2\r\nLast-Attempt-Date: /);
  assert.match(text, /Content-Type: text\/rfc822-headers\r\n\r\nFrom: alice@sealpost\.test\r\nSubject: Hello\r\n/);
  assert.match(text, /--\r\n$/);
});

test('a delay notice says when the queue gives up', () => {
  const text = Buffer.from(
    buildDsn({
      action: 'delayed',
      reportingMta: 'mail.sealpost.test',
      sender: 'alice@sealpost.test',
      queueId: '0123456789abcdef',
      arrivalDate: NOW,
      now: NOW + 4 * 3_600_000,
      recipients: [{ address: 'slow@example.org', status: '4.4.1', diagnostic: 'connection failed', remoteReply: null, remoteMta: null, lastAttemptAt: null }],
      originalHeaders: null,
      originalMessageId: null,
      retryUntil: NOW + 5 * 86_400_000,
    }),
  ).toString();
  assert.match(text, /^Subject: Delayed Mail \(still being retried\)\r$/m);
  assert.match(text, /Action: delayed\r\nStatus: 4\.4\.1\r\nWill-Retry-Until: Thu, 26 Nov 2026 12:00:00 \+0000\r\n/);
  assert.match(text, /delivery is still being retried until Thu, 26 Nov 2026 12:00:00 \+0000\./);
  assert.ok(!/In-Reply-To/.test(text));
});
