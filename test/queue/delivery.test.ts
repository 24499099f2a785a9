// Outbound delivery against real SMTP peers on loopback, with DNS answered from a map and
// the clock walked by hand: DKIM that verifies, STARTTLS when offered, connection reuse,
// retries with backoff until success, bounces (DSN, RFC 3464) for 5xx and for domains that
// cannot receive mail, a delay notice after 4 hours, expiry after the retry window, and
// misbehaving peers (garbage, silence, dropped connections) that never lose a message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import nodemailer from 'nodemailer';
import { readDkimKey, dkimRecordValue } from '../../server/dkim/keys.ts';
import { mailauthResolver } from '../../server/dns/resolver.ts';
import { StaticDnsResolver } from '../helpers/dns-stub.ts';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { startBrokenServer, startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { imapClient } from '../helpers/imap-client.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('outbound delivery', () => {
  const clock = new ManualClock();
  const dns = new StaticDnsResolver({
    mx: {
      'routed.example': [{ exchange: 'mx1.routed.example', priority: 10 }],
      'nullmx.example': [{ exchange: '', priority: 0 }],
    },
    a: { 'mx1.routed.example': ['127.0.0.1'], 'implicit.example': ['127.0.0.1'] },
    serverFailure: ['servfail.example'],
  });
  type RemoteName = 'ok' | 'plain' | 'flaky' | 'refusing' | 'dropping' | 'slow' | 'stalling' | 'deferring' | 'routed';
  const remotes = {} as Record<RemoteName, RemoteMx>;
  const broken: { close(): Promise<void> }[] = [];
  let service: TestService;
  let alice: { accountId: string; password: string };
  let appPassword: string;
  let sent = 0;

  const send = async (to: string[], subject = `message ${++sent}`) => {
    const info = await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('submissions'),
        secure: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'alice@sealpost.test', pass: appPassword },
      })
      .sendMail({ from: 'Alice <alice@sealpost.test>', to, subject, text: `Text of ${subject}.\n` });
    assert.match(info.response, /^250 /);
    return subject;
  };
  const inbox = async () =>
    (await readInbox(service.core, await unlockByPassword(service.core, service.crypto, alice.accountId, alice.password), alice.accountId)).map(String);
  const dsns = async () => (await inbox()).filter((message) => message.includes('report-type=delivery-status'));
  const walk = async (ms: number) => {
    clock.advance(ms);
    await service.outbound!.runDue();
  };
  const queued = () => service.outbound!.list();
  /** Queue entries of messages to this recipient. */
  const queuedFor = async (address: string) => (await queued()).filter((entry) => entry.recipients.some((recipient) => recipient.address === address));

  before(async () => {
    remotes.ok = await startRemoteMx();
    remotes.plain = await startRemoteMx({ starttls: false });
    remotes.flaky = await startRemoteMx({ dataReply: (_message, index) => (index < 2 ? '451 4.3.0 Busy, try later' : null) });
    remotes.refusing = await startRemoteMx({ rcptReply: (address) => (address.startsWith('nobody') ? '550 5.1.1 No such user here' : null) });
    remotes.dropping = await startRemoteMx({ dropAfterData: (index) => index === 0 });
    remotes.slow = await startRemoteMx({ dataDelayMs: 150 });
    remotes.stalling = await startRemoteMx({ dataDelayMs: 20_000 });
    remotes.deferring = await startRemoteMx({ dataReply: () => '451 4.7.1 Greylisted, come back later' });
    remotes.routed = await startRemoteMx();
    const garbage = await startBrokenServer('garbage');
    const silent = await startBrokenServer('silent');
    broken.push(garbage, silent);
    const routes = [
      ['example.org', remotes.ok.port],
      ['plain.example', remotes.plain.port],
      ['flaky.example', remotes.flaky.port],
      ['refusing.example', remotes.refusing.port],
      ['dropping.example', remotes.dropping.port],
      ['slow.example', remotes.slow.port],
      ['stalling.example', remotes.stalling.port],
      ['deferring.example', remotes.deferring.port],
      ['garbage.example', garbage.port],
      ['silent.example', silent.port],
    ].map(([domain, port]) => `${domain}=127.0.0.1:${port}`);
    service = await startTestService(
      [
        'billing.enabled=false',
        `outbound.staticRoutes=${routes.join(',')}`,
        `outbound.mxPort=${remotes.routed.port}`,
        'outbound.greetingTimeoutMs=1000',
        'outbound.socketTimeoutMs=1500',
        'outbound.connectionsPerDomain=1',
      ],
      undefined,
      { clock, outbound: { dns } },
    );
    alice = await service.createAccount('alice@sealpost.test');
    appPassword = await service.createAppPassword(alice.accountId, alice.password);
  });
  after(async () => {
    await service.stop();
    for (const remote of [...Object.values(remotes), ...broken]) await remote.close();
  });

  test('delivers with STARTTLS and a DKIM signature that verifies against the published key', async () => {
    const subject = await send(['carol@example.org']);
    await service.outbound!.settled();
    const message = remotes.ok.received.find((received) => received.raw.includes(subject))!;
    assert.equal(message.secure, true, 'STARTTLS was used');
    const key = (await readDkimKey(service.dataDir, 'sealpost.test'))!;
    const published = new StaticDnsResolver({ txt: { [`${key.selector}._domainkey.sealpost.test`]: [[dkimRecordValue(key)]] } });
    const verification = await dkimVerify(message.raw, { resolver: mailauthResolver(published), curTime: new Date(clock.now()) });
    assert.equal(verification.results[0]?.status.result, 'pass', JSON.stringify(verification.results[0]?.status));
    assert.equal(verification.results[0]?.signingDomain, 'sealpost.test');
    assert.deepEqual(await queuedFor('carol@example.org'), [], 'the entry is gone once delivered');
    const [entry] = (await service.core.deliveryLog.search({ accountId: alice.accountId })).filter((logged) => logged.recipientDomain === 'example.org');
    assert.equal(entry!.direction, 'out');
    assert.equal(entry!.remote, '[127.0.0.1]');
    assert.match(entry!.status, /^delivered \(TLS\): 250 2\.6\.0 Ok: queued as remote-\d+$/);
    assert.ok(entry!.size > 0);
  });

  test('delivers in plaintext to a server without STARTTLS, and routes by MX and by implicit MX (A record)', async () => {
    await send(['dave@plain.example']);
    await send(['erin@routed.example', 'frank@implicit.example']);
    await service.outbound!.settled();
    assert.equal(remotes.plain.received.length, 1);
    assert.equal(remotes.plain.received[0]!.secure, false);
    assert.deepEqual(remotes.routed.received.flatMap((message) => message.to).sort(), ['erin@routed.example', 'frank@implicit.example']);
  });

  test('reuses one connection for several messages and several recipients of a domain', async () => {
    const before = remotes.slow.connections;
    await Promise.all([send(['a1@slow.example', 'a2@slow.example']), send(['b@slow.example']), send(['c@slow.example'])]);
    await service.outbound!.settled();
    assert.equal(remotes.slow.received.length, 3);
    assert.ok(
      remotes.slow.received.some((message) => message.to.join() === 'a1@slow.example,a2@slow.example'),
      'one transaction for both recipients',
    );
    assert.equal(remotes.slow.connections - before, 1, 'one connection for all three messages');
  });

  test('retries a 4xx with backoff (5, then 10 minutes) until the 250, logging every outcome', async () => {
    const subject = await send(['gina@flaky.example']);
    await service.outbound!.settled();
    const [entry] = await queuedFor('gina@flaky.example');
    assert.equal(entry!.attempts, 1);
    assert.equal(entry!.nextAttemptAt - clock.now(), 5 * MINUTE);
    assert.match(entry!.recipients[0]!.lastResult!, /451 4\.3\.0 Busy/);
    await walk(4 * MINUTE);
    assert.equal(remotes.flaky.attempts, 1, 'not before its time');
    await walk(MINUTE);
    assert.equal(remotes.flaky.attempts, 2);
    assert.equal((await queuedFor('gina@flaky.example'))[0]!.nextAttemptAt - clock.now(), 10 * MINUTE);
    await walk(10 * MINUTE);
    assert.equal(remotes.flaky.received.length, 1);
    assert.ok(remotes.flaky.received[0]!.raw.includes(subject));
    assert.deepEqual(await queuedFor('gina@flaky.example'), []);
    const statuses = (await service.core.deliveryLog.search({ accountId: alice.accountId }))
      .filter((logged) => logged.recipientDomain === 'flaky.example')
      .map((logged) => logged.status.split(':')[0]);
    assert.deepEqual(statuses, ['deferred (TLS)', 'deferred (TLS)', 'delivered (TLS)']);
    assert.deepEqual(await dsns(), [], 'no DSN for a message that got through within 4 hours');
  });

  test('a 5xx bounces at once: a DSN in the Inbox (also over IMAP) for the refused recipient only', async () => {
    const subject = await send(['nobody@refusing.example', 'henry@refusing.example']);
    await service.outbound!.settled();
    assert.deepEqual(
      remotes.refusing.received.map((message) => message.to),
      [['henry@refusing.example']],
    );
    assert.deepEqual(await queuedFor('henry@refusing.example'), []);
    const [dsn] = await dsns();
    assert.ok(dsn, 'a DSN arrived');
    assert.match(dsn, /^From: Mail Delivery System <MAILER-DAEMON@localhost>\r\n/m);
    assert.match(dsn, /^Subject: Undelivered Mail Returned to Sender\r$/m);
    assert.match(dsn, /^Auto-Submitted: auto-replied\r$/m);
    assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status; boundary="/);
    assert.match(
      dsn,
      /\r\nFinal-Recipient: rfc822; nobody@refusing\.example\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; 127\.0\.0\.1\r\nDiagnostic-Code: smtp; 550 5\.1\.1 No such user here\r\n/,
    );
    assert.ok(!dsn.includes('Final-Recipient: rfc822; henry@refusing.example'));
    assert.match(dsn, /Content-Type: text\/rfc822-headers\r\n\r\n[\s\S]*Subject: /);
    assert.ok(dsn.includes(`Subject: ${subject}`), 'the original headers are quoted');
    assert.ok(!dsn.includes(`Text of ${subject}`), 'but not the body');

    const imap = imapClient(service, 'alice@sealpost.test', appPassword);
    await imap.connect();
    try {
      await imap.mailboxOpen('INBOX');
      const subjects: string[] = [];
      for await (const message of imap.fetch('1:*', { envelope: true })) subjects.push(message.envelope?.subject ?? '');
      assert.ok(subjects.includes('Undelivered Mail Returned to Sender'), `IMAP shows the DSN: ${subjects}`);
    } finally {
      await imap.logout();
    }
  });

  test('domains that cannot receive mail bounce at once: no such domain (5.1.2), null MX (5.1.10)', async () => {
    const before = (await dsns()).length;
    await send(['ida@nxdomain.example', 'jack@nullmx.example']);
    await service.outbound!.settled();
    assert.deepEqual(await queuedFor('ida@nxdomain.example'), []);
    const all = await dsns();
    assert.equal(all.length, before + 1, 'one DSN for the message');
    const dsn = all.find((message) => message.includes('ida@nxdomain.example'))!;
    assert.match(dsn, /Final-Recipient: rfc822; ida@nxdomain\.example\r\nAction: failed\r\nStatus: 5\.1\.2\r\n/);
    assert.match(dsn, /Final-Recipient: rfc822; jack@nullmx\.example\r\nAction: failed\r\nStatus: 5\.1\.10\r\n/);
    assert.match(dsn, /<ida@nxdomain\.example>: the domain nxdomain\.example does not exist/);
  });

  test('a DNS outage, garbage, silence, a stalled DATA and a dropped connection are deferred, not lost', async () => {
    await send(['kim@servfail.example']);
    await send(['lee@garbage.example']);
    await send(['max@silent.example']);
    await send(['ned@stalling.example']);
    const dropped = await send(['oz@dropping.example']);
    await service.outbound!.settled();
    const addresses = ['kim@servfail.example', 'lee@garbage.example', 'max@silent.example', 'ned@stalling.example', 'oz@dropping.example'];
    const entries = (await queued()).filter((entry) => addresses.includes(entry.recipients[0]!.address));
    const lastResult = (address: string) => entries.find((entry) => entry.recipients[0]!.address === address)!.recipients[0]!.lastResult!;
    assert.match(lastResult('kim@servfail.example'), /MX lookup for servfail\.example failed \(ESERVFAIL\)/);
    assert.match(lastResult('lee@garbage.example'), /\[127\.0\.0\.1\] refused the session: HTTP\/1\.1 400 Bad Request/);
    assert.match(lastResult('max@silent.example'), /no greeting in time/);
    // Our timeout ends the connection; under load its close can be reported first.
    assert.match(lastResult('ned@stalling.example'), /broke during the transaction \((timed out|the connection was closed)\)/);
    assert.match(lastResult('oz@dropping.example'), /broke during the transaction/);
    assert.equal(entries.length, 5);
    assert.ok(entries.every((entry) => entry.recipients[0]!.status === 'pending'));
    await walk(5 * MINUTE);
    assert.equal(remotes.dropping.received.length, 1, 'the dropped message went through on the retry');
    assert.ok(remotes.dropping.received[0]!.raw.includes(dropped));
    assert.deepEqual(await queuedFor('oz@dropping.example'), []);
    // The operator removes the rest (no DSN); they would otherwise slow later attempts.
    for (const entry of (await queued()).filter((candidate) => addresses.includes(candidate.recipients[0]!.address))) await service.outbound!.delete(entry.id);
    assert.deepEqual(
      (await queued()).filter((candidate) => addresses.includes(candidate.recipients[0]!.address)),
      [],
    );
  });

  test('a delay notice after 4 hours (once), and after the retry window a final DSN (4.4.7); the entry is gone', async () => {
    const before = (await dsns()).length;
    await send(['pat@deferring.example']);
    await service.outbound!.settled();
    for (let elapsed = 0; elapsed < 4 * HOUR; elapsed += HOUR) await walk(HOUR);
    await walk(HOUR);
    const delayNotices = (await dsns()).slice(before).filter((message) => message.includes('pat@deferring.example'));
    assert.equal(delayNotices.length, 1, 'exactly one delay notice');
    assert.match(delayNotices[0]!, /Subject: Delayed Mail \(still being retried\)/);
    assert.match(delayNotices[0]!, /Action: delayed\r\nStatus: 4\.7\.1\r\n/);
    assert.match(delayNotices[0]!, /Will-Retry-Until: /);
    for (let day = 0; day < 5; day++) await walk(DAY);
    await walk(HOUR);
    const final = (await dsns()).slice(before).filter((message) => message.includes('pat@deferring.example') && message.includes('Action: failed'));
    assert.equal(final.length, 1);
    assert.match(final[0]!, /Status: 4\.4\.7\r\n/);
    assert.match(final[0]!, /delivery time expired after 5 days; last attempt: .*451 4\.7\.1 Greylisted/);
    assert.ok(!(await queued()).some((entry) => entry.recipients[0]!.address === 'pat@deferring.example'));
  });

  test('mail still queued for an account that is deleted is erased at once, not sent', async () => {
    const bob = await service.createAccount('bob.b@sealpost.test');
    const bobPassword = await service.createAppPassword(bob.accountId, bob.password);
    await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('submissions'),
        secure: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'bob.b@sealpost.test', pass: bobPassword },
      })
      .sendMail({ from: 'bob.b@sealpost.test', to: 'quinn@deferring.example', subject: 'from bob', text: 'x' });
    await service.outbound!.settled();
    const [entry] = await queuedFor('quinn@deferring.example');
    assert.ok(entry);
    const attempts = remotes.deferring.attempts;
    await service.core.accounts.delete(bob.accountId);
    // Without the clock moving, so without another attempt.
    for (let waited = 0; (await queuedFor('quinn@deferring.example')).length > 0; waited += 20) {
      assert.ok(waited < 5_000, 'erased within 5 s of the deletion');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await walk(5 * MINUTE);
    assert.equal(remotes.deferring.attempts, attempts, 'not sent');
  });

  test('no DSN is made for a message with the null sender', async () => {
    const before = (await dsns()).length;
    await service.outbound!.enqueue(
      { source: 'system', from: '', senderAccountId: alice.accountId, messageId: '<bounce@sealpost.test>', recipients: ['nobody@refusing.example'] },
      (async function* () {
        yield Buffer.from('From: MAILER-DAEMON@sealpost.test\r\nSubject: a bounce\r\n\r\nbounce\r\n');
      })(),
      null,
    );
    await service.outbound!.settled();
    assert.ok(!(await queued()).some((entry) => entry.from === ''), 'the bounce is final');
    assert.equal((await dsns()).length, before);
  });
});
