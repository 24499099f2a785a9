// The MX's budget for messages held in memory while the checks run (smtp.mx.maxBufferedBytes):
// a message that would pass it is deferred with 452 4.3.1 and accepted when the sender
// retries; every way a held message ends (stored, deferred, refused by the checks or by the
// quota, the peer leaving or falling silent mid-DATA) gives its bytes back; and everything
// acknowledged with 250 is stored byte-exact. One DATA is held open by writing part of it
// over a raw socket; the tests wait on the buffered bytes /metrics reports, never on a timer.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import { ConfigError } from '../../server/config/load.ts';
import { StaticDnsResolver } from '../helpers/dns-stub.ts';
import { readInbox, unlockByPassword, withoutReceivedHeader } from '../helpers/mail.ts';
import { RawSmtp } from '../helpers/raw-smtp.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

/** Room for one message of the largest size and a half: two large messages do not fit. */
const BUDGET = 300_000;
/** The largest message, with room below the budget for a partial one beside it. */
const MESSAGE_MAX = 200_000;
/** Small enough that a second large message for the same mailbox overflows it (quota test). */
const QUOTA = 300_000;
/** Two of these pass the budget; one alone fits. */
const LARGE = 180_000;
/** Larger than what the budget has left while `PARTIAL` bytes of another message are held. */
const NEEDS_MOST_OF_THE_BUDGET = 190_000;
/** What a held sender has written of its message: while it is held, no LARGE one fits beside it. */
const PARTIAL = 150_000;
/** smtp-server keeps the last bytes of DATA back until it knows they are not the final dot;
 * a held partial message counts at least this close to what was written. */
const HELD_BACK_AT_MOST = 1024;
/** What the budget holds for parsing a test message's header besides its bytes (12 bytes
 * for each of a few hundred header bytes; server/smtp/mx.ts PARSED_HEADER_GROWTH). */
const HEADER_PARSE_ALLOWANCE = 5000;
/** Ingest encrypts and fsyncs before the reply to the final dot; generous under load. */
const DATA_REPLY_TIMEOUT_MS = 30_000;

const SETTINGS = [`limits.messageMaxBytes=${MESSAGE_MAX}`, `limits.mailboxQuotaBytes=${QUOTA}`, `smtp.mx.maxBufferedBytes=${BUDGET}`, 'metrics.enabled=true'];

/** A domain whose DMARC policy refuses mail that fails SPF, as every message from here does. */
const zone = new StaticDnsResolver({ txt: { 'rejected.example': [['v=spf1 -all']], '_dmarc.rejected.example': [['v=DMARC1; p=reject']] } });

/** A message of about `size` bytes; no line begins with a dot, so it reads back as sent. */
function messageOf(to: string, subject: string, size: number, from = 'sender@remote.example'): Buffer {
  const head =
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@test>\r\n` +
    'Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n';
  const line = `${'a'.repeat(98)}\r\n`;
  return Buffer.from(head + line.repeat(Math.round((size - head.length) / line.length)));
}

function metricsText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

async function bufferedBytes(service: TestService): Promise<number> {
  const match = /^sealpost_mx_buffered_bytes (\d+)$/m.exec(await metricsText(service.port('metrics')));
  assert.ok(match, 'the gauge is exported');
  return Number(match[1]);
}

async function waitForBuffered(service: TestService, reached: (bytes: number) => boolean, what: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const bytes = await bufferedBytes(service);
    if (reached(bytes)) return bytes;
    if (Date.now() > deadline) throw new Error(`${what}: ${bytes} bytes are buffered`);
    await sleep(20);
  }
}

/** Raw connections a test opened; closed after each test, so that one failing holds no
 * bytes into the next. */
const rawClients: RawSmtp[] = [];
afterEach(() => {
  for (const client of rawClients.splice(0)) client.close();
});

async function openRaw(service: TestService, localAddress?: string): Promise<RawSmtp> {
  const client = await RawSmtp.open(service.port('smtp-mx'), localAddress);
  rawClients.push(client);
  return client;
}

/** A raw connection that has sent DATA and got 354, ready for the message. */
async function openData(service: TestService, to: string): Promise<RawSmtp> {
  const client = await openRaw(service);
  assert.match(await client.reply(), /^220 /);
  assert.match(await client.command('EHLO peer.example'), /^250[ -]/);
  assert.match(await client.command('MAIL FROM:<sender@remote.example>'), /^250 /);
  assert.match(await client.command(`RCPT TO:<${to}>`), /^250 /);
  assert.match(await client.command('DATA'), /^354 /);
  return client;
}

function send(service: TestService, to: string, raw: Buffer, from = 'sender@remote.example') {
  return nodemailer
    .createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), secure: false, tls: { rejectUnauthorized: false } })
    .sendMail({ envelope: { from, to: [to] }, raw });
}

/** What a mailbox holds, as sent (without the headers our MX added), in a stable order. */
async function storedOriginals(service: TestService, account: { accountId: string; password: string }): Promise<Buffer[]> {
  const keys = await unlockByPassword(service.core, service.crypto, account.accountId, account.password);
  return (await readInbox(service.core, keys, account.accountId)).map((stored) => withoutReceivedHeader(stored).original).sort(Buffer.compare);
}

/** The deferred peer's own loopback address, searched for in the log. */
const PEER_ADDRESS = '127.0.0.79';

describe('MX buffer budget', () => {
  let service: TestService;
  let mailboxes = 0;
  /** A fresh mailbox per test, so that each test's quota and Inbox are its own. */
  const newMailbox = async () => {
    const address = `budget-${++mailboxes}@sealpost.test`;
    return { address, ...(await service.createAccount(address)) };
  };

  before(async () => {
    service = await startTestService(SETTINGS, undefined, { inboundDns: zone });
  });
  after(() => service.stop());

  test('of two large messages at once, the one past the budget is deferred with 452 4.3.1, then accepted on retry', async () => {
    const firstMailbox = await newMailbox();
    const secondMailbox = await newMailbox();
    const first = messageOf(firstMailbox.address, 'first of two', LARGE);
    const second = messageOf(secondMailbox.address, 'second of two', LARGE);

    const held = await openData(service, firstMailbox.address);
    held.write(first.subarray(0, PARTIAL));
    await waitForBuffered(service, (bytes) => bytes >= PARTIAL - HELD_BACK_AT_MOST, 'the held message is counted');

    // From an address of its own, to show the deferrals' log lines do not name the peer.
    const other = await openRaw(service, PEER_ADDRESS);
    await other.reply();
    await other.command('EHLO peer.example');
    assert.match(
      await other.command(`MAIL FROM:<sender@remote.example> SIZE=${second.length}`),
      /^452 4\.3\.1 /,
      'a declared size that does not fit is deferred at once',
    );
    assert.match(
      await other.command(`MAIL FROM:<sender@remote.example> SIZE=${BUDGET - PARTIAL - HEADER_PARSE_ALLOWANCE}`),
      /^250 /,
      'a declared size that fits is accepted',
    );
    assert.match(await other.command('RSET'), /^250 /);
    assert.match(await other.command('MAIL FROM:<sender@remote.example>'), /^250 /);
    assert.match(await other.command(`RCPT TO:<${secondMailbox.address}>`), /^250 /);
    assert.match(await other.command('DATA'), /^354 /);
    other.write(second);
    other.write('.\r\n');
    assert.match(await other.reply(DATA_REPLY_TIMEOUT_MS), /^452 4\.3\.1 Insufficient system storage/, 'without SIZE it is deferred at the final dot');
    assert.ok((await bufferedBytes(service)) <= PARTIAL + HEADER_PARSE_ALLOWANCE, 'the deferred message gave back what it held');
    assert.match(await other.command('NOOP'), /^250 /, 'the connection goes on');
    other.close();
    const deferrals = service.logLines.filter((line) => line.includes('buffer budget is spent'));
    assert.equal(deferrals.length, 2, 'both deferrals are logged');
    assert.deepEqual(
      service.logLines.filter((line) => line.includes(PEER_ADDRESS)),
      [],
      'no log line names the peer (docs/design.md promise 4)',
    );

    held.write(first.subarray(PARTIAL));
    held.write('.\r\n');
    assert.match(await held.reply(DATA_REPLY_TIMEOUT_MS), /^250 /);
    held.close();
    assert.equal(await bufferedBytes(service), 0, 'a stored message gives its bytes back');

    assert.match((await send(service, secondMailbox.address, second)).response, /^250 /, 'the retry is accepted');
    assert.deepEqual(await storedOriginals(service, firstMailbox), [first]);
    assert.deepEqual(await storedOriginals(service, secondMailbox), [second]);
  });

  test('what the checks will take to parse a header counts: a large header is deferred where a large body fits', async () => {
    const mailbox = await newMailbox();
    // 30 KB of header: with what parsing it takes (12 bytes a byte), more than the budget.
    const filler = Array.from({ length: 300 }, (_, index) => `X-Filler-${index}: ${'h'.repeat(80)}\r\n`).join('');
    const largeHeader = Buffer.from(`From: <sender@remote.example>\r\nTo: <${mailbox.address}>\r\nSubject: header\r\n${filler}\r\nbody\r\n`);
    const client = await openData(service, mailbox.address);
    client.write(largeHeader);
    client.write('.\r\n');
    assert.match(await client.reply(DATA_REPLY_TIMEOUT_MS), /^452 4\.3\.1 /);
    client.close();
    assert.equal(await bufferedBytes(service), 0, 'the deferred message gave back what it held');

    const largeBody = messageOf(mailbox.address, 'body', largeHeader.length);
    assert.match((await send(service, mailbox.address, largeBody)).response, /^250 /);
    assert.deepEqual(await storedOriginals(service, mailbox), [largeBody]);
  });

  test('a peer that drops the connection mid-DATA gives its bytes back, and nothing of it is stored', async () => {
    const mailbox = await newMailbox();
    const dropped = await openData(service, mailbox.address);
    dropped.write(messageOf(mailbox.address, 'dropped', LARGE).subarray(0, PARTIAL));
    await waitForBuffered(service, (bytes) => bytes >= PARTIAL - HELD_BACK_AT_MOST, 'the dropped message is counted');
    dropped.close();
    await waitForBuffered(service, (bytes) => bytes === 0, 'the dropped message is given back');

    const later = messageOf(mailbox.address, 'needs most of the budget', NEEDS_MOST_OF_THE_BUDGET);
    assert.match((await send(service, mailbox.address, later)).response, /^250 /);
    assert.deepEqual(await storedOriginals(service, mailbox), [later]);
  });

  test('a message refused by the checks gives its bytes back', async () => {
    const mailbox = await newMailbox();
    const refused = messageOf(mailbox.address, 'fails DMARC', NEEDS_MOST_OF_THE_BUDGET, 'news@rejected.example');
    await assert.rejects(send(service, mailbox.address, refused, 'news@rejected.example'), (error: Error & { response?: string }) => {
      assert.match(error.response ?? '', /^550 5\.7\.1 .*DMARC/);
      return true;
    });
    assert.equal(await bufferedBytes(service), 0);

    const next = messageOf(mailbox.address, 'passes', NEEDS_MOST_OF_THE_BUDGET);
    assert.match((await send(service, mailbox.address, next)).response, /^250 /, 'it fits only if the refused message gave back its bytes');
    assert.deepEqual(await storedOriginals(service, mailbox), [next]);
  });

  test('a message refused at storing (mailbox full) gives its bytes back', async () => {
    const mailbox = await newMailbox();
    const fits = messageOf(mailbox.address, 'fills the mailbox', NEEDS_MOST_OF_THE_BUDGET);
    assert.match((await send(service, mailbox.address, fits)).response, /^250 /);
    // Without SIZE the RCPT-time quota check passes; ingest finds the mailbox full after the checks.
    const client = await openData(service, mailbox.address);
    client.write(messageOf(mailbox.address, 'over quota', NEEDS_MOST_OF_THE_BUDGET));
    client.write('.\r\n');
    assert.match(await client.reply(DATA_REPLY_TIMEOUT_MS), /^452 4\.2\.2 /);
    client.close();
    assert.equal(await bufferedBytes(service), 0);
    assert.deepEqual(await storedOriginals(service, mailbox), [fits]);
  });
});

describe('MX buffer budget and the idle timeout', () => {
  test('a peer that falls silent mid-DATA is dropped at the timeout and its bytes come back', async () => {
    const service = await startTestService([...SETTINGS, 'smtp.mx.socketTimeoutMs=1000'], undefined, { inboundDns: zone });
    try {
      const mailbox = { address: 'silent@sealpost.test', ...(await service.createAccount('silent@sealpost.test')) };
      const silent = await openData(service, mailbox.address);
      silent.write(messageOf(mailbox.address, 'falls silent', LARGE).subarray(0, PARTIAL));
      await waitForBuffered(service, (bytes) => bytes >= PARTIAL - HELD_BACK_AT_MOST, 'the silent message is counted');
      assert.match(await silent.reply(10_000), /^421 /);
      await silent.waitClosed(10_000);
      await waitForBuffered(service, (bytes) => bytes === 0, 'the silent message is given back');
      const later = messageOf(mailbox.address, 'after the timeout', NEEDS_MOST_OF_THE_BUDGET);
      assert.match((await send(service, mailbox.address, later)).response, /^250 /);
      assert.deepEqual(await storedOriginals(service, mailbox), [later]);
    } finally {
      await service.stop();
    }
  });
});

test('a budget below the message size limit is refused at start, naming the setting', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sealpost-test-'));
  let refusal: unknown = null;
  try {
    const started = await startTestService([`limits.messageMaxBytes=${MESSAGE_MAX}`, `smtp.mx.maxBufferedBytes=${MESSAGE_MAX - 1}`], dataDir);
    await started.stop();
  } catch (error) {
    refusal = error;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  assert.ok(refusal instanceof ConfigError, `refused with a ConfigError, got ${String(refusal)}`);
  assert.equal(refusal.key, 'smtp.mx.maxBufferedBytes');
  assert.match(refusal.message, /below limits\.messageMaxBytes/);
});
