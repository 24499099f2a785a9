// Submission end to end with real clients (nodemailer, a raw socket): TLS before AUTH, app
// passwords only, the sender's own addresses only, limits with their exact codes, and a
// message that arrives byte-exact (plus our trace and completion headers) for local
// recipients and at a remote MX for remote ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { readInbox, unlockByPassword, withoutReceivedHeader } from '../helpers/mail.ts';
import { RawSmtp } from '../helpers/raw-smtp.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

const plainAuth = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

function rawMessage(from: string, to: string, subject: string, extraHeaders = ''): Buffer {
  return Buffer.from(
    `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\n${extraHeaders}MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nBody of ${subject}.\r\n`,
  );
}

describe('submission', () => {
  let service: TestService;
  let remote: RemoteMx;
  let alice: { accountId: string; password: string };
  let bob: { accountId: string; password: string };
  let alicePassword: string;

  const transport = (options: Record<string, unknown> = {}) =>
    nodemailer.createTransport({
      host: '127.0.0.1',
      port: service.port('submission'),
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice@sealpost.test', pass: alicePassword },
      ...options,
    });

  const inboxOf = async (account: { accountId: string; password: string }) =>
    readInbox(service.core, await unlockByPassword(service.core, service.crypto, account.accountId, account.password), account.accountId);

  /** A raw client on 587 that did STARTTLS and (optionally) AUTH. */
  const rawSession = async (authenticate = true) => {
    const client = await RawSmtp.open(service.port('submission'));
    await client.reply();
    await client.command('EHLO client.example');
    assert.match(await client.command('STARTTLS'), /^220 /);
    await client.startTls();
    await client.command('EHLO client.example');
    if (authenticate) assert.match(await client.command(`AUTH PLAIN ${plainAuth('alice@sealpost.test', alicePassword)}`), /^235 /);
    return client;
  };

  before(async () => {
    remote = await startRemoteMx();
    service = await startTestService([
      'billing.enabled=false',
      `outbound.staticRoutes=example.org=127.0.0.1:${remote.port}`,
      'smtp.submission.authFailureDelayMs=200',
      'limits.recipientsPerMessage=4',
      'limits.messageMaxBytes=200000',
    ]);
    alice = await service.createAccount('alice@sealpost.test');
    bob = await service.createAccount('bob.b@sealpost.test');
    alicePassword = await service.createAppPassword(alice.accountId, alice.password);
  });
  after(async () => {
    await service.stop();
    await remote.close();
  });

  test('offers AUTH only after STARTTLS, and MAIL before AUTH gets 530 5.7.0 either way', async () => {
    const client = await RawSmtp.open(service.port('submission'));
    assert.match(await client.reply(), /^220 /);
    const plainEhlo = await client.command('EHLO client.example');
    assert.ok(plainEhlo.includes('STARTTLS'));
    assert.ok(!plainEhlo.includes('AUTH'), `no AUTH before TLS: ${plainEhlo}`);
    assert.match(await client.command('MAIL FROM:<alice@sealpost.test>'), /^530 5\.7\.0 /);
    assert.doesNotMatch(await client.command(`AUTH PLAIN ${plainAuth('alice@sealpost.test', alicePassword)}`), /^235 /);
    assert.match(await client.command('STARTTLS'), /^220 /);
    await client.startTls();
    const secureEhlo = await client.command('EHLO client.example');
    assert.match(secureEhlo, /AUTH PLAIN LOGIN/);
    assert.match(await client.command('MAIL FROM:<alice@sealpost.test>'), /^530 5\.7\.0 /);
    assert.match(await client.command(`AUTH PLAIN ${plainAuth('alice@sealpost.test', alicePassword)}`), /^235 /);
    assert.match(await client.command('MAIL FROM:<alice@sealpost.test>'), /^250 /);
    client.close();
  });

  test('the implicit-TLS port offers AUTH at once', async () => {
    const client = await RawSmtp.openTls(service.port('submissions'));
    assert.match(await client.reply(), /^220 /);
    const ehlo = await client.command('EHLO client.example');
    assert.match(ehlo, /AUTH PLAIN LOGIN/);
    assert.ok(!ehlo.includes('STARTTLS'));
    client.close();
  });

  test('wrong credentials get 535 5.7.8, taking the same time for a known and an unknown address', async () => {
    const attempt = async (user: string, pass: string) => {
      const client = await rawSession(false);
      const started = performance.now();
      const reply = await client.command(`AUTH PLAIN ${plainAuth(user, pass)}`);
      const elapsed = performance.now() - started;
      client.close();
      return { reply, elapsed };
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 3; round++) {
      const wrongPassword = await attempt('alice@sealpost.test', service.crypto.newAppPassword());
      const noSuchUser = await attempt('nobody@sealpost.test', service.crypto.newAppPassword());
      assert.match(wrongPassword.reply, /^535 5\.7\.8 /);
      assert.equal(noSuchUser.reply, wrongPassword.reply);
      known.push(wrongPassword.elapsed);
      unknown.push(noSuchUser.elapsed);
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
    assert.ok(median(known) >= 195 && median(unknown) >= 195, `failures wait the configured 200 ms: ${known} / ${unknown}`);
    assert.ok(Math.abs(median(known) - median(unknown)) < 60, `same timing: ${known} / ${unknown}`);
  });

  test('the account password itself is not accepted: only app passwords', async () => {
    const client = await rawSession(false);
    assert.match(await client.command(`AUTH PLAIN ${plainAuth('alice@sealpost.test', alice.password)}`), /^535 5\.7\.8 /);
    client.close();
  });

  test('sends over STARTTLS (AUTH LOGIN) and implicit TLS (AUTH PLAIN) to local and remote recipients', async () => {
    const raw = rawMessage(
      'Alice <alice@sealpost.test>',
      'bob.b@sealpost.test, carol@example.org',
      'over 587',
      'Message-ID: <own-id@sealpost.test>\r\nDate: Sat, 21 Nov 2026 09:00:00 +0000\r\n',
    );
    const info = await transport({ authMethod: 'LOGIN' }).sendMail({
      envelope: { from: 'alice@sealpost.test', to: ['bob.b@sealpost.test', 'carol@example.org'] },
      raw,
    });
    assert.match(info.response, /^250 2\.6\.0 Ok: queued as [0-9a-f]{16}$/);
    await service.outbound!.settled();

    const [stored] = await inboxOf(bob);
    const { received, original } = withoutReceivedHeader(stored!);
    assert.deepEqual(original, raw, 'kept byte-exact: Message-ID and Date were present');
    assert.match(received, /^Received: by localhost \(Sealpost\) with ESMTPSA id [0-9a-f]{16};\r\n\t.+\+0000\r\n$/);

    const delivered = remote.received.find((message) => message.raw.includes('over 587'))!;
    assert.deepEqual(delivered.to, ['carol@example.org']);
    assert.equal(delivered.from, 'alice@sealpost.test');
    const remoteText = delivered.raw.toString('latin1');
    assert.match(remoteText, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=sealpost\.test;/);
    assert.ok(delivered.raw.includes(raw), 'the remote gets the same message');

    const implicit = await transport({ port: service.port('submissions'), secure: true, requireTLS: false, authMethod: 'PLAIN' }).sendMail({
      envelope: { from: 'alice@sealpost.test', to: ['bob.b@sealpost.test'] },
      raw: rawMessage('alice@sealpost.test', 'bob.b@sealpost.test', 'over 465'),
    });
    assert.match(implicit.response, /^250 2\.6\.0 Ok: delivered as [0-9a-f]{16}$/);
  });

  test('adds Message-ID and Date when the client leaves them out', async () => {
    const client = await rawSession();
    await client.command('MAIL FROM:<alice@sealpost.test>');
    await client.command('RCPT TO:<bob.b@sealpost.test>');
    assert.match(await client.command('DATA'), /^354 /);
    client.write('From: alice@sealpost.test\r\nTo: bob.b@sealpost.test\r\nSubject: bare\r\n\r\nno id, no date\r\n.\r\n');
    assert.match(await client.reply(), /^250 /);
    client.close();
    const stored = (await inboxOf(bob)).find((message) => message.includes('Subject: bare'))!;
    const { original } = withoutReceivedHeader(stored);
    assert.match(
      original.toString(),
      /^Message-ID: <[0-9a-f]{32}@sealpost\.test>\r\nDate: \w{3}, \d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000\r\nFrom: alice@sealpost\.test\r\n/,
    );
  });

  test('refuses a sender that is not one of the account addresses, in the envelope (553 5.7.1) and in From', async () => {
    const client = await rawSession();
    assert.match(await client.command('MAIL FROM:<bob.b@sealpost.test>'), /^553 5\.7\.1 /);
    assert.match(await client.command('MAIL FROM:<>'), /^553 5\.7\.1 /);
    assert.match(await client.command('MAIL FROM:<alice@sealpost.test>'), /^250 /);
    assert.match(await client.command('RCPT TO:<carol@example.org>'), /^250 /);
    assert.match(await client.command('DATA'), /^354 /);
    const before = remote.attempts;
    client.write('From: Boss <boss@bank.example>\r\nTo: carol@example.org\r\nSubject: spoof\r\n\r\nspoofed\r\n.\r\n');
    assert.match(await client.reply(), /^553 5\.7\.1 The From header/);
    assert.match(await client.command('MAIL FROM:<alice@sealpost.test>'), /^250 /, 'the session goes on');
    client.close();
    await service.outbound!.settled();
    assert.equal(remote.attempts, before, 'nothing was queued');
    assert.deepEqual(await service.outbound!.list(), []);
  });

  test('refuses the recipient past the limit with 452 4.5.3, unknown local users with 550 5.1.1, bad domains with 553 5.1.3', async () => {
    const client = await rawSession();
    await client.command('MAIL FROM:<alice@sealpost.test>');
    assert.match(await client.command('RCPT TO:<nobody@sealpost.test>'), /^550 5\.1\.1 /);
    assert.match(await client.command('RCPT TO:<someone@no_such domain>'), /^5\d\d /);
    assert.match(await client.command('RCPT TO:<someone@localhost>'), /^553 5\.1\.3 /);
    assert.match(await client.command('RCPT TO:<someone@[127.0.0.1]>'), /^553 5\.1\.3 /);
    for (let index = 0; index < 4; index++) assert.match(await client.command(`RCPT TO:<r${index}@example.org>`), /^250 /);
    assert.match(await client.command('RCPT TO:<r4@example.org>'), /^452 4\.5\.3 Too many recipients: at most 4 per message/);
    client.close();
  });

  test('refuses an oversized message with 552 5.3.4 and queues nothing', async () => {
    const client = await rawSession();
    assert.match(await client.command('MAIL FROM:<alice@sealpost.test> SIZE=300000'), /^552 5\.3\.4 /);
    await client.command('MAIL FROM:<alice@sealpost.test>');
    await client.command('RCPT TO:<carol@example.org>');
    await client.command('RCPT TO:<bob.b@sealpost.test>');
    assert.match(await client.command('DATA'), /^354 /);
    const before = (await service.core.accounts.usage(bob.accountId)).messages;
    client.write(`From: alice@sealpost.test\r\nSubject: big\r\n\r\n${(`${'x'.repeat(998)}\r\n`).repeat(250)}.\r\n`);
    assert.match(await client.reply(), /^552 5\.3\.4 /);
    client.close();
    await service.outbound!.settled();
    assert.deepEqual(await service.outbound!.list(), []);
    assert.equal((await service.core.accounts.usage(bob.accountId)).messages, before);
  });
});

describe('submission limits and throttling', () => {
  let service: TestService;
  let sender: { accountId: string; password: string };
  let appPassword: string;

  before(async () => {
    service = await startTestService([
      'billing.enabled=false',
      'outbound.enabled=false',
      'limits.sendMessagesPerHour=2',
      'limits.sendRecipientsPerDay=3',
      'smtp.submission.authFailureDelayMs=0',
      'smtp.submission.authMaxFailures=3',
    ]);
    sender = await service.createAccount('sender@sealpost.test');
    await service.createAccount('reader@sealpost.test');
    appPassword = await service.createAppPassword(sender.accountId, sender.password);
  });
  after(() => service.stop());

  const send = (to: string[]) =>
    nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('submissions'),
        secure: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'sender@sealpost.test', pass: appPassword },
      })
      .sendMail({ from: 'sender@sealpost.test', to, subject: 'limits', text: 'x' });

  test('past the daily recipients, then the hourly messages, the answer is 450 4.7.1 with the limit named', async () => {
    await send(['reader@sealpost.test', 'sender@sealpost.test']);
    const partly = await send(['reader@sealpost.test', 'sender@sealpost.test']);
    assert.deepEqual(partly.accepted, ['reader@sealpost.test']);
    assert.match(partly.rejectedErrors?.[0]?.response ?? '', /^450 4\.7\.1 Sending limit reached: at most 3 recipients per day/);
    await assert.rejects(send(['reader@sealpost.test']), (error: { response?: string }) => {
      assert.match(error.response ?? '', /^450 4\.7\.1 Sending limit reached: at most 2 messages per hour/);
      return true;
    });
  });

  test('remote recipients are refused with 550 5.7.1 when outbound delivery is off', async () => {
    const other = await service.createAccount('other@sealpost.test');
    const otherPassword = await service.createAppPassword(other.accountId, other.password);
    const client = await RawSmtp.openTls(service.port('submissions'));
    await client.reply();
    await client.command('EHLO client.example');
    await client.command(`AUTH PLAIN ${plainAuth('other@sealpost.test', otherPassword)}`);
    assert.match(await client.command('MAIL FROM:<other@sealpost.test>'), /^250 /);
    assert.match(await client.command('RCPT TO:<someone@example.org>'), /^550 5\.7\.1 /);
    client.close();
  });

  test('after the allowed failures a client address is refused with 454 4.7.0, even with the right password; others are not', async () => {
    const login = async (localAddress: string, pass: string) => {
      const client = await RawSmtp.openTls(service.port('submissions'), localAddress);
      await client.reply();
      await client.command('EHLO client.example');
      const reply = await client.command(`AUTH PLAIN ${plainAuth('sender@sealpost.test', pass)}`);
      client.close();
      return reply;
    };
    for (let failure = 0; failure < 3; failure++) assert.match(await login('127.0.0.66', 'wrong'), /^535 5\.7\.8 /);
    assert.match(await login('127.0.0.66', appPassword), /^454 4\.7\.0 /);
    assert.match(await login('127.0.0.1', appPassword), /^235 /);
    assert.ok(!service.logLines.some((line) => line.includes('127.0.0.66')), 'the throttled address is never logged');
  });

  test('a connection gets three AUTH attempts, then 421', async () => {
    const client = await RawSmtp.openTls(service.port('submissions'), '127.0.0.67');
    await client.reply();
    await client.command('EHLO client.example');
    for (let attempt = 0; attempt < 2; attempt++) assert.match(await client.command(`AUTH PLAIN ${plainAuth('x@sealpost.test', 'y')}`), /^535 /);
    assert.match(await client.command(`AUTH PLAIN ${plainAuth('sender@sealpost.test', appPassword)}`), /^235 /);
    client.close();
    const second = await RawSmtp.openTls(service.port('submissions'), '127.0.0.68');
    await second.reply();
    await second.command('EHLO client.example');
    for (let attempt = 0; attempt < 3; attempt++) await second.command(`AUTH PLAIN ${plainAuth('x@sealpost.test', 'y')}`);
    assert.match(await second.command(`AUTH PLAIN ${plainAuth('sender@sealpost.test', appPassword)}`), /^421 4\.7\.0 /);
    second.close();
  });
});

describe('submission for an account without credit', () => {
  let service: TestService;

  before(async () => {
    service = await startTestService(['billing.enabled=true', 'billing.trialDays=0']);
  });
  after(() => service.stop());

  test('the right app password gets 525 5.7.13 (account disabled) with the reason; a wrong one still 535', async () => {
    const account = await service.createAccount('broke@sealpost.test');
    const appPassword = await service.createAppPassword(account.accountId, account.password);
    const client = await RawSmtp.openTls(service.port('submissions'));
    await client.reply();
    await client.command('EHLO client.example');
    assert.match(await client.command(`AUTH PLAIN ${plainAuth('broke@sealpost.test', service.crypto.newAppPassword())}`), /^535 5\.7\.8 /);
    assert.match(await client.command(`AUTH PLAIN ${plainAuth('broke@sealpost.test', appPassword)}`), /^525 5\.7\.13 Account disabled: .*credit/);
    client.close();
  });
});
