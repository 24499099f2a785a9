// Mail between accounts of this server says who sent it: submission (nodemailer) and the
// webmail's send put `Authentication-Results: <host>; auth=pass smtp.auth=<sending address>`
// above our Received header in the local recipient's copy, where the webmail believes it; a
// header the sender wrote stays below and is not believed; the copy for another server goes
// out without it; and no client address or HELO name is written.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { parseMessage } from '../../client/src/lib/worker/message-parser.ts';
import { readInbox, unlockByPassword, withoutReceivedHeader } from '../helpers/mail.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { b64, DOMAIN, startWebTestbed, type WebTestbed } from '../web/support.ts';

/** What a sender might write to pass as someone else; it must stay below our Received header. */
const FORGED = `Authentication-Results: localhost; auth=pass smtp.auth=chief@${DOMAIN}\r\n`;

const rawMessage = (from: string, to: string, subject: string) =>
  Buffer.from(
    `${FORGED}From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@${DOMAIN}>\r\nDate: Sun, 01 Mar 2026 10:00:00 +0000\r\n\r\nHello.\r\n`,
  );

describe('local sender verdict: submission', () => {
  const CLIENT_NAME = 'laptop-of-alice.home.example';
  let service: TestService;
  let remote: RemoteMx;
  let alice: { accountId: string; password: string };
  let bob: { accountId: string; password: string };
  let alicePassword: string;

  const submit = (envelopeFrom: string, to: string[], raw: Buffer) =>
    nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('submission'),
        secure: false,
        requireTLS: true,
        name: CLIENT_NAME,
        tls: { rejectUnauthorized: false },
        auth: { user: `alice@${DOMAIN}`, pass: alicePassword },
      })
      .sendMail({ envelope: { from: envelopeFrom, to }, raw });

  const storedFor = async (subject: string) => {
    const inbox = await readInbox(service.core, await unlockByPassword(service.core, service.crypto, bob.accountId, bob.password), bob.accountId);
    const stored = inbox.find((message) => message.includes(`Subject: ${subject}`));
    assert.ok(stored, `bob has "${subject}"`);
    return stored;
  };

  before(async () => {
    remote = await startRemoteMx();
    service = await startTestService(['billing.enabled=false', `outbound.staticRoutes=example.org=127.0.0.1:${remote.port}`]);
    alice = await service.createAccount(`alice@${DOMAIN}`);
    bob = await service.createAccount(`bob.b@${DOMAIN}`);
    await service.core.aliases.add(alice.accountId, `quiet.one@${DOMAIN}`);
    alicePassword = await service.createAppPassword(alice.accountId, alice.password);
  });
  after(async () => {
    await service.stop();
    await remote.close();
  });

  test('the local copy names the account above our Received header; the remote copy is as submitted', async () => {
    const raw = rawMessage(`Alice <alice@${DOMAIN}>`, `bob.b@${DOMAIN}, carol@example.org`, 'by submission');
    const info = await submit(`alice@${DOMAIN}`, [`bob.b@${DOMAIN}`, 'carol@example.org'], raw);
    assert.match(info.response, /^250 /);
    await service.outbound!.settled();

    const stored = await storedFor('by submission');
    const { checks, received, original } = withoutReceivedHeader(stored);
    assert.equal(checks, `Authentication-Results: localhost; auth=pass smtp.auth=alice@${DOMAIN}\r\n`);
    assert.match(received, /^Received: by localhost \(Sealpost\) with ESMTPSA id [0-9a-f]{16};/);
    assert.deepEqual(original, raw, "the sender's own Authentication-Results is kept as sent, below ours");
    for (const trace of ['127.0.0.1', CLIENT_NAME]) assert.ok(!stored.includes(trace), `the stored copy does not name ${trace}`);
    assert.equal((await parseMessage(stored)).localSender, `alice@${DOMAIN}`);

    const delivered = remote.received.find((message) => message.raw.includes('by submission'));
    assert.ok(delivered, 'the remote recipient got it');
    assert.ok(!delivered.raw.includes('auth=pass smtp.auth=alice'), 'no local-sender header leaves the server');
    assert.ok(delivered.raw.includes(raw));
  });

  test('sent from an alias, the copy names the alias and not the address the account logged in with', async () => {
    const raw = rawMessage(`quiet.one@${DOMAIN}`, `bob.b@${DOMAIN}`, 'from an alias');
    assert.match((await submit(`quiet.one@${DOMAIN}`, [`bob.b@${DOMAIN}`], raw)).response, /^250 /);
    const stored = await storedFor('from an alias');
    assert.equal(withoutReceivedHeader(stored).checks, `Authentication-Results: localhost; auth=pass smtp.auth=quiet.one@${DOMAIN}\r\n`);
    assert.ok(!stored.includes(`alice@${DOMAIN}`), "the alias keeps the account's other address to itself");
    assert.equal((await parseMessage(stored)).localSender, `quiet.one@${DOMAIN}`);
  });
});

describe('local sender verdict: web send', () => {
  let bed: WebTestbed;
  let receiverId: string;

  before(async () => {
    bed = await startWebTestbed({ remote: true });
    await bed.createAccount(`writer@${DOMAIN}`);
    ({ accountId: receiverId } = await bed.createAccount(`receiver@${DOMAIN}`));
  });
  after(() => bed.close());

  test('the local copy names the account above our Received header; the queued copy is as submitted', async () => {
    const sender = bed.client();
    await sender.login(`writer@${DOMAIN}`);
    const message = rawMessage(`Writer <writer@${DOMAIN}>`, `receiver@${DOMAIN}, far@remote.example`, 'by webmail');
    const response = await sender.request('POST', '/api/send', {
      from: `writer@${DOMAIN}`,
      recipients: [`receiver@${DOMAIN}`, 'far@remote.example'],
      message: b64(message),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.recipients.map((entry: { status: string }) => entry.status),
      ['delivered', 'queued'],
    );

    const receiver = bed.client();
    await receiver.login(`receiver@${DOMAIN}`);
    const [stored] = await readInbox(bed.core, receiver.keys!, receiverId);
    const { checks, received, original } = withoutReceivedHeader(stored!);
    assert.equal(checks, `Authentication-Results: localhost; auth=pass smtp.auth=writer@${DOMAIN}\r\n`);
    assert.match(received, /^Received: from webmail\r\n\tby localhost \(Sealpost\) with HTTPS id [0-9a-f]+;/);
    assert.deepEqual(original, message, "the sender's own Authentication-Results is kept as sent, below ours");
    assert.ok(!stored!.includes('127.0.0.1'), 'the stored copy does not name the client');
    assert.equal((await parseMessage(stored!)).localSender, `writer@${DOMAIN}`);

    await bed.remote!.outbound.queue!.settled();
    const [sent] = bed.remote!.mx.received;
    assert.match(sent!.raw.toString('latin1'), /\r\nReceived: from webmail\r\n\tby localhost/, 'the copy that left carries our Received header');
    assert.ok(!sent!.raw.includes('auth=pass smtp.auth=writer'), 'no local-sender header leaves the server');
  });
});
