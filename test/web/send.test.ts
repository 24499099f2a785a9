// Send from the web client: local recipients get the message through the ingest path,
// encrypted to their keys; remote ones go through the outbound queue to the other server
// (a sink MX on loopback), or are refused with a clear code while none runs. The sender
// must be one of the account's own addresses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendingLimits } from '../../server/core/sending-limits.ts';
import { readInbox } from '../helpers/mail.ts';
import { b64, DOMAIN, startWebTestbed, type BrowserLikeClient, type WebTestbed } from './support.ts';

const mime = (from: string, to: string, subject: string) =>
  Buffer.from(`From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@${DOMAIN}>\r\n\r\nHello.\r\n`);

describe('web send', () => {
  let bed: WebTestbed;
  let sender: BrowserLikeClient;
  let recipientId: string;

  before(async () => {
    bed = await startWebTestbed({ remote: true });
    await bed.createAccount(`writer@${DOMAIN}`);
    ({ accountId: recipientId } = await bed.createAccount(`receiver@${DOMAIN}`));
    sender = bed.client();
    await sender.login(`writer@${DOMAIN}`);
  });
  after(() => bed.close());

  test('a local recipient receives the message encrypted to their keys; remote ones are queued', async () => {
    const message = mime(`Writer <writer@${DOMAIN}>`, `receiver@${DOMAIN}, far@remote.example`, 'First contact');
    const response = await sender.request('POST', '/api/send', {
      from: `writer@${DOMAIN}`,
      recipients: [`Receiver@${DOMAIN}`, 'far@remote.example', `nobody@${DOMAIN}`],
      message: b64(message),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.recipients.map((entry: { address: string; status: string; code?: string }) => [entry.address, entry.status, entry.code]),
      [
        [`nobody@${DOMAIN}`, 'failed', 'ACCOUNT_NONEXISTENT'],
        [`receiver@${DOMAIN}`, 'delivered', undefined],
        ['far@remote.example', 'queued', undefined],
      ],
    );
    const receiver = bed.client();
    await receiver.login(`receiver@${DOMAIN}`);
    const [stored] = await readInbox(bed.core, receiver.keys!, recipientId);
    assert.match(
      stored!.toString(),
      /^Authentication-Results: localhost; auth=pass smtp\.auth=writer@sealpost\.test\r\nReceived: from webmail\r\n\tby localhost \(Sealpost\) with HTTPS id [0-9a-f]+;/,
      'our headers, without a client address',
    );
    assert.ok(stored!.subarray(stored!.indexOf('From:')).equals(message));
    await bed.remote!.outbound.queue!.settled();
    const [arrived] = bed.remote!.mx.received;
    assert.deepEqual([arrived?.from, arrived?.to], [`writer@${DOMAIN}`, ['far@remote.example']]);
    assert.ok(!arrived!.raw.includes('Authentication-Results'), 'the copy for another server carries no local verdict');
  });

  test("only the account's own addresses may send", async () => {
    const forged = await sender.request('POST', '/api/send', {
      from: `receiver@${DOMAIN}`,
      recipients: [`receiver@${DOMAIN}`],
      message: b64(mime(`receiver@${DOMAIN}`, `receiver@${DOMAIN}`, 'forged')),
    });
    assert.equal(forged.status, 403);
    assert.equal(forged.body.code, 'SENDER_NOT_OWNED');
    const header = await sender.request('POST', '/api/send', {
      from: `writer@${DOMAIN}`,
      recipients: [`receiver@${DOMAIN}`],
      message: b64(mime(`ceo@${DOMAIN}`, `receiver@${DOMAIN}`, 'forged header')),
    });
    assert.equal(header.body.code, 'SENDER_NOT_OWNED');
  });

  test('without an outbound path, remote recipients are refused with a clear code', async () => {
    const plain = await startWebTestbed();
    try {
      await plain.createAccount(`lonely@${DOMAIN}`);
      const client = plain.client();
      await client.login(`lonely@${DOMAIN}`);
      const response = await client.request('POST', '/api/send', {
        from: `lonely@${DOMAIN}`,
        recipients: ['far@remote.example'],
        message: b64(mime(`lonely@${DOMAIN}`, 'far@remote.example', 'out')),
      });
      assert.deepEqual(response.body.recipients, [
        { address: 'far@remote.example', status: 'failed', code: 'REMOTE_DELIVERY_UNAVAILABLE', message: 'this server does not deliver mail to other servers' },
      ]);
    } finally {
      await plain.close();
    }
  });

  test('too many recipients are refused before anything is sent', async () => {
    const many = Array.from({ length: bed.config.limits.recipientsPerMessage + 1 }, (_, index) => `r${index}@remote.example`);
    const response = await sender.request('POST', '/api/send', {
      from: `writer@${DOMAIN}`,
      recipients: many,
      message: b64(mime(`writer@${DOMAIN}`, 'x@remote.example', 'many')),
    });
    assert.equal(response.status, 400);
  });
});

describe('web send limits', () => {
  test('the web shares the sending budget with submission: messages per hour and recipients per day', async () => {
    const clock = { now: () => Date.UTC(2026, 10, 21, 12) };
    const limits = new SendingLimits(clock, { sendMessagesPerHour: 3, sendRecipientsPerDay: 4 });
    const bed = await startWebTestbed({ sendingLimits: limits, remote: true });
    try {
      const { accountId } = await bed.createAccount(`budget@${DOMAIN}`);
      const client = bed.client();
      await client.login(`budget@${DOMAIN}`);
      const send = (recipients: string[]) =>
        client.request('POST', '/api/send', {
          from: `budget@${DOMAIN}`,
          recipients,
          message: b64(mime(`budget@${DOMAIN}`, recipients.join(', '), `to ${recipients.length}`)),
        });
      // One message with two recipients went out by submission (the same budget object).
      limits.record(accountId, 2);
      assert.equal((await send(['a@remote.example'])).status, 200);
      const tooMany = await send(['b@remote.example', 'c@remote.example']);
      assert.equal(tooMany.status, 429);
      assert.equal(tooMany.body.code, 'SENDING_LIMIT');
      assert.match(tooMany.body.message, /at most 4 recipients per day/);
      assert.equal((await send(['d@remote.example'])).status, 200);
      const fourth = await send(['e@remote.example']);
      assert.equal(fourth.body.code, 'SENDING_LIMIT');
      assert.match(fourth.body.message, /at most 3 messages per hour/);
    } finally {
      await bed.close();
    }
  });
});
