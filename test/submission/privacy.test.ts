// docs/design.md promises 1 and 4 on the submission path: a client at 127.0.0.77 with the HELO
// name of its laptop leaves neither in the message (local copy or the one sent out), in the
// service log or in any file; a queued message (its content, its recipient's address) is
// at rest only as ciphertext under the spool key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { searchBytes } from '../helpers/byte-search.ts';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

const CLIENT_ADDRESS = '127.0.0.77';
const CLIENT_HELO = 'alices-laptop.home.example';

describe('privacy on the submission path', () => {
  let service: TestService;
  let accepting: RemoteMx;
  let deferring: RemoteMx;
  let alice: { accountId: string; password: string };
  let bob: { accountId: string; password: string };
  let appPassword: string;

  before(async () => {
    accepting = await startRemoteMx();
    deferring = await startRemoteMx({ dataReply: () => '451 4.3.0 Try again later' });
    service = await startTestService([
      'billing.enabled=false',
      `outbound.staticRoutes=example.org=127.0.0.1:${accepting.port},example.net=127.0.0.1:${deferring.port}`,
    ]);
    alice = await service.createAccount('alice@sealpost.test');
    bob = await service.createAccount('bob.b@sealpost.test');
    appPassword = await service.createAppPassword(alice.accountId, alice.password);
  });
  after(async () => {
    await service.stop();
    await accepting.close();
    await deferring.close();
  });

  test('neither the client address nor its HELO name is in any copy, log line or file; queued content is ciphertext', async () => {
    const canary = `CANARY${randomBytes(12).toString('hex')}`;
    const hiddenRecipient = `secret-${randomBytes(6).toString('hex')}@example.net`;
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: service.port('submission'),
      localAddress: CLIENT_ADDRESS,
      name: CLIENT_HELO,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice@sealpost.test', pass: appPassword },
    });
    await transport.sendMail({
      from: 'alice@sealpost.test',
      to: ['bob.b@sealpost.test', 'carol@example.org'],
      subject: `hello ${canary}`,
      text: `body ${canary}\n`,
    });
    await transport.sendMail({ from: 'alice@sealpost.test', to: [hiddenRecipient], subject: `queued ${canary}`, text: `queued body ${canary}\n`.repeat(100) });
    await service.outbound!.settled();

    const [local] = await readInbox(service.core, await unlockByPassword(service.core, service.crypto, bob.accountId, bob.password), bob.accountId);
    const sentOut = accepting.received[0]!.raw;
    for (const copy of [local!, sentOut]) {
      assert.ok(copy.includes(canary), 'this is the message');
      assert.ok(!copy.includes(CLIENT_ADDRESS), 'no client address in the message');
      assert.ok(!copy.includes(CLIENT_HELO), 'no client HELO name in the message');
    }
    assert.equal((await service.outbound!.list()).length, 1, 'the deferred message waits in the queue');

    for (const needle of [CLIENT_ADDRESS, CLIENT_HELO, canary, hiddenRecipient]) {
      assert.deepEqual(await searchBytes(service.dataDir, needle), [], `${needle} is nowhere at rest`);
      assert.ok(!service.logLines.some((line) => line.includes(needle)), `${needle} is not in the log`);
    }
  });

  test('fields that name the client machine are removed; a Message-ID with its host name is replaced, one with our domain kept', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: service.port('submission'),
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice@sealpost.test', pass: appPassword },
    });
    const before = accepting.received.length;
    const clientFields = {
      'X-Originating-IP': '[192.0.2.55]',
      'X-Forwarded-For': '192.0.2.56,\r\n 192.0.2.57',
      'User-Agent': 'Mutt/2.2.12 (2023-09-09)',
      'X-Kept': 'stays',
    };
    await transport.sendMail({
      from: 'alice@sealpost.test',
      to: 'carol@example.org',
      subject: 'from mutt',
      text: 'hi\n',
      messageId: '<20261207.abc@alices-laptop.home.example>',
      headers: clientFields,
      xMailer: 'Some Mailer 1.0',
    });
    await transport.sendMail({
      from: 'alice@sealpost.test',
      to: 'carol@example.org',
      subject: 'from thunderbird',
      text: 'hi\n',
      messageId: '<own-1@sealpost.test>',
    });
    await service.outbound!.settled();
    const [fromMutt, fromThunderbird] = accepting.received.slice(before).map((message) => message.raw.toString('utf8'));
    const header = fromMutt!.slice(0, fromMutt!.indexOf('\r\n\r\n'));
    for (const gone of ['X-Originating-IP', 'X-Forwarded-For', 'User-Agent', 'X-Mailer', '192.0.2.5', 'Mutt', 'Some Mailer', 'alices-laptop']) {
      assert.ok(!header.includes(gone), `${gone} is removed`);
    }
    assert.match(header, /^X-Kept: stays$/m, 'other fields stay');
    assert.match(header, /^Message-ID: <[0-9a-f]{32}@sealpost\.test>$/m, 'a new Message-ID in the sender\u2019s domain');
    assert.match(fromThunderbird!, /^Message-ID: <own-1@sealpost\.test>$/m, 'our own domain\u2019s Message-ID is kept');
  });
});
