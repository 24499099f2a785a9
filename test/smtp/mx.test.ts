// The MX end to end, through real clients (nodemailer and a raw socket): mail for local
// addresses is stored encrypted and reads back byte-exact with the owner's secrets; every
// refusal carries the documented code; bad input never stops the server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { isMailError } from '../../server/core/errors.ts';
import type { MailEvent } from '../../server/core/events.ts';
import { readInbox, unlockByPassword, withoutReceivedHeader } from '../helpers/mail.ts';
import { RawSmtp } from '../helpers/raw-smtp.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

function rawMessage(to: string, subject: string, body: string): Buffer {
  return Buffer.from(
    `From: Sender <sender@remote.example>\r\nTo: <${to}>\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${randomBytes(6).toString('hex')}@remote.example>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );
}

function mailer(port: number, options: Record<string, unknown> = {}) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, tls: { rejectUnauthorized: false }, ...options });
}

const run = promisify(execFile);
const SIZE_TWICE = fileURLToPath(new URL('../fixtures/smtp/smtplib_size_twice.py', import.meta.url));

describe('MX', () => {
  let service: TestService;
  let alice: { accountId: string; password: string };

  before(async () => {
    service = await startTestService(['limits.messageMaxBytes=300000', 'limits.mailboxQuotaBytes=200000']);
    alice = await service.createAccount('alice@sealpost.test');
  });
  after(() => service.stop());

  test('stores a message that reads back byte-exact with the password and with an app password', async () => {
    const raw = rawMessage('alice@sealpost.test', 'Hello Alice', 'First message.\r\n..a line starting with a dot');
    const events: MailEvent[] = [];
    const stopListening = service.core.events.subscribe(alice.accountId, (event) => events.push(event));
    const info = await mailer(service.port('smtp-mx')).sendMail({ envelope: { from: 'sender@remote.example', to: ['alice@sealpost.test'] }, raw });
    stopListening();
    assert.match(info.response, /^250 /);
    assert.deepEqual(
      events.map((event) => event.type),
      ['message-added'],
    );

    const byPassword = await readInbox(service.core, await unlockByPassword(service.core, service.crypto, alice.accountId, alice.password), alice.accountId);
    assert.equal(byPassword.length, 1);
    const { received, original } = withoutReceivedHeader(byPassword[0]!);
    assert.deepEqual(original, raw);
    assert.match(received, /by localhost \(Sealpost\) with ESMTPS? id [0-9a-f]{16}/);

    const appPassword = await service.createAppPassword(alice.accountId, alice.password);
    const session = await service.core.accounts.unlockWithAppSecret('alice@sealpost.test', appPassword);
    const byAppPassword = await readInbox(service.core, session.keys, alice.accountId);
    assert.deepEqual(byAppPassword[0], byPassword[0]);

    const inbox = await service.core.folders.findBySpecialUse(alice.accountId, '\\Inbox');
    const [record] = await service.core.messages.list(alice.accountId, inbox.id);
    const metadata = await service.core.messages.readMetadata(session.keys, alice.accountId, inbox.id, record!);
    assert.equal(metadata.summary.envelope.subject, 'Hello Alice');
    assert.equal(record!.size, byPassword[0]!.length);
  });

  test('a wrong app password and an unknown address fail alike', async () => {
    for (const [address, secret] of [
      ['alice@sealpost.test', service.crypto.newAppPassword()],
      ['nobody@sealpost.test', service.crypto.newAppPassword()],
      ['alice@sealpost.test', 'not an app password'],
    ] as const) {
      await assert.rejects(service.core.accounts.unlockWithAppSecret(address, secret), (error: unknown) => {
        assert.ok(isMailError(error, 'AUTHENTICATION_FAILED'));
        assert.equal((error as Error).message, 'invalid address or app password');
        return true;
      });
    }
  });

  test('delivers one message to several local recipients, each encrypted to its own key', async () => {
    const bob = await service.createAccount('bob.b@sealpost.test');
    const carol = await service.createAccount('carol@sealpost.test');
    const raw = rawMessage('bob.b@sealpost.test', 'To both', 'Shared body');
    await mailer(service.port('smtp-mx')).sendMail({ envelope: { from: 'sender@remote.example', to: ['bob.b@sealpost.test', 'carol@sealpost.test'] }, raw });
    for (const account of [bob, carol]) {
      const keys = await unlockByPassword(service.core, service.crypto, account.accountId, account.password);
      const [stored] = await readInbox(service.core, keys, account.accountId);
      assert.deepEqual(withoutReceivedHeader(stored!).original, raw);
    }
    const bobKeys = await unlockByPassword(service.core, service.crypto, bob.accountId, bob.password);
    await assert.rejects(readInbox(service.core, bobKeys, carol.accountId), (error: { code?: string }) => error.code === 'AUTHENTICATION_FAILED');
  });

  test('advertises SIZE, PIPELINING, 8BITMIME, SMTPUTF8 and STARTTLS, and delivers over STARTTLS', async () => {
    const client = await RawSmtp.open(service.port('smtp-mx'));
    assert.match(await client.reply(), /^220 /);
    const ehlo = await client.command('EHLO client.example');
    for (const feature of ['SIZE 300000', 'PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS'])
      assert.ok(ehlo.includes(feature), `${feature} in ${ehlo}`);
    assert.ok(!/AUTH/.test(ehlo), 'no AUTH on the MX');
    client.close();
    const info = await mailer(service.port('smtp-mx'), { requireTLS: true }).sendMail({
      envelope: { from: 'sender@remote.example', to: ['alice@sealpost.test'] },
      raw: rawMessage('alice@sealpost.test', 'Over TLS', 'Encrypted in transit'),
    });
    assert.match(info.response, /^250 /);
  });

  test('refuses unknown recipients with 550 5.1.1 and other domains with 554 5.7.1', async () => {
    const client = await RawSmtp.open(service.port('smtp-mx'));
    await client.reply();
    await client.command('EHLO client.example');
    assert.match(await client.command('MAIL FROM:<sender@remote.example>'), /^250 /);
    assert.match(await client.command('RCPT TO:<nobody@sealpost.test>'), /^550 5\.1\.1 /);
    assert.match(await client.command('RCPT TO:<someone@elsewhere.example>'), /^554 5\.7\.1 /);
    assert.match(await client.command('RCPT TO:<alice@sealpost.test>'), /^250 /);
    client.close();
  });

  test("a MAIL FROM parameter given twice is accepted when both values agree (as Python's smtplib sends SIZE), refused when they differ", async () => {
    const { stdout } = await run('python3', [SIZE_TWICE, String(service.port('smtp-mx')), 'alice@sealpost.test']);
    assert.equal(stdout.trim(), 'ok');
    const client = await RawSmtp.open(service.port('smtp-mx'));
    await client.reply();
    await client.command('EHLO client.example');
    assert.match(await client.command('MAIL FROM:<sender@remote.example> SIZE=100 size=100'), /^250 /);
    await client.command('RSET');
    assert.match(await client.command('MAIL FROM:<sender@remote.example> SIZE=100 SIZE=200'), /^501 .*duplicate SIZE/);
    client.close();
  });

  test('refuses an oversized message with 552 5.3.4, announced or not, and stores nothing', async () => {
    const before = (await service.core.accounts.usage(alice.accountId)).messages;
    const client = await RawSmtp.open(service.port('smtp-mx'));
    await client.reply();
    await client.command('EHLO client.example');
    assert.match(await client.command('MAIL FROM:<sender@remote.example> SIZE=400000'), /^552 5\.3\.4 /);
    assert.match(await client.command('MAIL FROM:<sender@remote.example>'), /^250 /);
    assert.match(await client.command('RCPT TO:<alice@sealpost.test>'), /^250 /);
    assert.match(await client.command('DATA'), /^354 /);
    const line = `${'x'.repeat(998)}\r\n`;
    client.write(`Subject: big\r\n\r\n${line.repeat(350)}.\r\n`);
    assert.match(await client.reply(), /^552 5\.3\.4 /);
    assert.match(await client.command('NOOP'), /^250 /);
    client.close();
    assert.equal((await service.core.accounts.usage(alice.accountId)).messages, before);
  });

  test('refuses over quota with 452 4.2.2, and 552 when the message alone exceeds the quota', async () => {
    await service.createAccount('dave.d@sealpost.test');
    const body = 'y'.repeat(150_000);
    await mailer(service.port('smtp-mx')).sendMail({
      envelope: { from: 'sender@remote.example', to: ['dave.d@sealpost.test'] },
      raw: rawMessage('dave.d@sealpost.test', 'fills', body),
    });
    const client = await RawSmtp.open(service.port('smtp-mx'));
    await client.reply();
    await client.command('EHLO client.example');
    await client.command('MAIL FROM:<sender@remote.example> SIZE=100000');
    assert.match(await client.command('RCPT TO:<dave.d@sealpost.test>'), /^452 4\.2\.2 /);
    await client.command('RSET');
    await client.command('MAIL FROM:<sender@remote.example> SIZE=250000');
    assert.match(await client.command('RCPT TO:<alice@sealpost.test>'), /^552 5\.2\.2 /);
    client.close();
    await assert.rejects(
      mailer(service.port('smtp-mx')).sendMail({
        envelope: { from: 'sender@remote.example', to: ['dave.d@sealpost.test'] },
        raw: rawMessage('dave.d@sealpost.test', 'more', body),
      }),
      (error: { responseCode?: number; response?: string }) => error.responseCode === 452 && /4\.2\.2/.test(error.response ?? ''),
    );
  });

  test('survives garbage, overlong lines, binary junk and HTTP, and serves the next client', async () => {
    const inputs: (string | Buffer)[] = [
      randomBytes(4096),
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      `EHLO ${'a'.repeat(20_000)}\r\n`,
      `MAIL FROM:<${'b'.repeat(5000)}@x>\r\n`,
      'DATA\r\nRCPT TO:<>\r\n\0\0\0\r\n',
      'EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<alice@sealpost.test>\r\nDATA\r\nSubject: unterminated\r\n\r\nno end',
    ];
    for (const input of inputs) {
      const client = await RawSmtp.open(service.port('smtp-mx'));
      client.write(input);
      await new Promise((resolve) => setTimeout(resolve, 100));
      client.close();
    }
    const flood = await RawSmtp.open(service.port('smtp-mx'));
    await flood.reply();
    for (let i = 0; i < 12; i++) flood.write(`BOGUS${i}\r\n`);
    await flood.waitClosed();
    const info = await mailer(service.port('smtp-mx')).sendMail({
      envelope: { from: 'sender@remote.example', to: ['alice@sealpost.test'] },
      raw: rawMessage('alice@sealpost.test', 'still up', 'the server survived'),
    });
    assert.match(info.response, /^250 /);
  });
});

describe('MX header limits with every check off (the streaming path)', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService(['filter.authentication=false', 'smtp.mx.maxHeaderFields=100']);
    await service.createAccount('stream@sealpost.test');
  });
  after(() => service.stop());

  test('past the field limit: 552 5.3.4, nothing stored, and the connection goes on', async () => {
    const client = await RawSmtp.open(service.port('smtp-mx'), '127.0.0.78');
    try {
      await client.reply();
      await client.command('EHLO peer.example');
      const send = async (fields: number) => {
        assert.match(await client.command('MAIL FROM:<sender@remote.example>'), /^250 /);
        assert.match(await client.command('RCPT TO:<stream@sealpost.test>'), /^250 /);
        assert.match(await client.command('DATA'), /^354 /);
        client.write(`From: <sender@remote.example>\r\n${'X-Filler: v\r\n'.repeat(fields - 1)}\r\nbody\r\n.\r\n`);
        return client.reply(30_000);
      };
      assert.match(await send(101), /^552 5\.3\.4 /);
      assert.match(await send(100), /^250 /);
    } finally {
      client.close();
    }
    const accountId = (await service.core.accounts.findIdByAddress('stream@sealpost.test'))!;
    assert.equal((await service.core.accounts.usage(accountId)).messages, 1);
    assert.deepEqual(
      service.logLines.filter((line) => line.includes('127.0.0.78')),
      [],
      'no log line names the peer (docs/design.md promise 4)',
    );
  });
});
