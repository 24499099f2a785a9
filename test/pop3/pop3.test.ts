// POP3 end to end with Python's poplib as the client (and a raw socket where the wire
// itself is checked): every command on both ports, STLS, byte-exact messages as the MX
// stored them, DELE taking effect only at QUIT, [IN-USE], \Seen as Dovecot sets it, and
// failed logins that look the same whether or not the address exists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { MailboxKeys } from '../../crypto/api.ts';
import { withoutReceivedHeader } from '../helpers/mail.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { bytesOf, deliver, errorOf, loggedIn, mailboxWithAppPassword, messageOf, okOf, poplib, RawPop3, textOf } from './clients.ts';

/** Long enough to dominate the unlock's own time, short enough for a fast suite. */
const FAILURE_DELAY_MS = 200;

function rawMessage(subject: string, body: string): Buffer {
  return Buffer.from(
    `From: Sender <sender@remote.example>\r\nTo: <someone@sealpost.test>\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${randomBytes(6).toString('hex')}@remote.example>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

describe('POP3 with poplib', () => {
  let service: TestService;

  before(async () => {
    service = await startTestService([
      'pop3.port=0',
      'pop3.tlsPort=0',
      `pop3.authFailureDelayMs=${FAILURE_DELAY_MS}`,
      // This suite fails logins on purpose from 127.0.0.1; throttling has its own test.
      'pop3.authMaxFailuresPerSource=1000',
    ]);
  });
  after(() => service.stop());

  test('every command over STLS (USER/PASS) and over implicit TLS (AUTH PLAIN)', async () => {
    const box = await mailboxWithAppPassword(service, 'every.command@sealpost.test');
    const first = rawMessage('First', 'one\r\ntwo\r\nthree\r\n');
    const second = rawMessage('Second', 'alpha\r\n.beta\r\ngamma\r\n');
    await deliver(service, box.address, first);
    await deliver(service, box.address, second);
    const inbox = await service.core.folders.findBySpecialUse(box.accountId, '\\Inbox');
    const records = await service.core.messages.list(box.accountId, inbox.id);

    const results = await poplib(service.port('pop3'), 'stls', [
      ['capa'],
      ['user', box.address],
      ['pass_', box.appPassword],
      ['capa'],
      ['stat'],
      ['list'],
      ['list', 2],
      ['uidl'],
      ['uidl', 1],
      ['retr', 1],
      ['top', 2, 1],
      ['noop'],
      ['dele', 1],
      ['stat'],
      ['list'],
      ['rset'],
      ['stat'],
      ['quit'],
    ]);
    const [
      greeting,
      stls,
      capaBefore,
      user,
      pass,
      capaAfter,
      stat,
      list,
      listOne,
      uidl,
      uidlOne,
      retr,
      top,
      noop,
      dele,
      statAfterDele,
      listAfterDele,
      rset,
      statAfterRset,
      quit,
    ] = results;
    assert.match(textOf(okOf(greeting)), /^\+OK /);
    assert.match(textOf(okOf(stls)), /^\+OK Begin TLS/);
    for (const capa of [capaBefore, capaAfter]) {
      const capabilities = okOf(capa) as Record<string, string[]>;
      for (const name of ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'USER']) assert.ok(name in capabilities, name);
      assert.deepEqual(capabilities.SASL, ['PLAIN']);
      assert.ok(!('STLS' in capabilities), 'no STLS once TLS is on');
    }
    assert.match(textOf(okOf(user)), /^\+OK/);
    assert.match(textOf(okOf(pass)), /^\+OK Logged in, 2 messages/);
    const sizes = records.map((record) => record.size);
    assert.deepEqual(okOf(stat), [2, sizes[0]! + sizes[1]!]);
    const [listStatus, listLines] = okOf(list) as [unknown, unknown[]];
    assert.match(textOf(listStatus), /^\+OK 2 messages/);
    assert.deepEqual(listLines.map(textOf), [`1 ${sizes[0]}`, `2 ${sizes[1]}`]);
    assert.equal(textOf(okOf(listOne)), `+OK 2 ${sizes[1]}`);
    const uidls = (okOf(uidl) as [unknown, unknown[]])[1].map(textOf);
    assert.deepEqual(
      uidls,
      records.map((record, index) => `${index + 1} ${inbox.uidValidity}.${record.uid}`),
    );
    assert.equal(textOf(okOf(uidlOne)), `+OK ${uidls[0]}`);
    const retrieved = messageOf(retr!);
    assert.equal(retrieved.response, `+OK ${sizes[0]} octets`);
    assert.deepEqual(withoutReceivedHeader(retrieved.message).original, first);
    const topTwo = messageOf(top!).message.toString('latin1');
    assert.ok(topTwo.endsWith('\r\n\r\nalpha\r\n'), 'headers, blank line, one body line');
    assert.ok(topTwo.includes('Subject: Second\r\n'));
    assert.match(textOf(okOf(noop)), /^\+OK/);
    assert.match(textOf(okOf(dele)), /^\+OK/);
    assert.deepEqual(okOf(statAfterDele), [1, sizes[1]]);
    assert.deepEqual((okOf(listAfterDele) as [unknown, unknown[]])[1].map(textOf), [`2 ${sizes[1]}`]);
    assert.match(textOf(okOf(rset)), /^\+OK/);
    assert.deepEqual(okOf(statAfterRset), [2, sizes[0]! + sizes[1]!]);
    assert.match(textOf(okOf(quit)), /^\+OK Logging out/);

    const implicit = await poplib(service.port('pop3s'), 'implicit', [['capa'], ['auth_plain', box.address, box.appPassword], ['stat'], ['retr', 2], ['quit']]);
    assert.ok('USER' in (okOf(implicit[1]) as object) && !('STLS' in (okOf(implicit[1]) as object)));
    assert.match(textOf(okOf(implicit[2])), /^\+OK Logged in/);
    assert.deepEqual(okOf(implicit[3]), [2, sizes[0]! + sizes[1]!]);
    assert.deepEqual(withoutReceivedHeader(messageOf(implicit[4]!).message).original, second);
    assert.equal(await service.core.messages.list(box.accountId, inbox.id).then((list) => list.length), 2, 'RSET then QUIT deleted nothing');
  });

  test('messages come back byte-exact, dot-stuffed on the wire, with sizes that match', async () => {
    const box = await mailboxWithAppPassword(service, 'byte.exact@sealpost.test');
    const dotted = rawMessage('Dots', '.\r\n..two dots\r\n.\r\nthe last line is a dot\r\n.\r\n');
    const large = rawMessage(
      'Large',
      `${Array.from({ length: 4000 }, (_, index) => `${index % 50 === 0 ? '.' : ''}line ${index} ${'x'.repeat(60)}`).join('\r\n')}\r\n`,
    );
    assert.ok(large.length > 3 * 65536, 'spans several encrypted chunks');
    await deliver(service, box.address, dotted);
    await deliver(service, box.address, large);

    const results = await poplib(service.port('pop3s'), 'implicit', [
      ['user', box.address],
      ['pass_', box.appPassword],
      ['list'],
      ['retr', 1],
      ['retr', 2],
      ['top', 2, 3],
      ['quit'],
    ]);
    const listed = (okOf(results[3]) as [unknown, unknown[]])[1].map((line) => Number(textOf(line).split(' ')[1]));
    for (const [index, original] of [dotted, large].entries()) {
      const { response, message } = messageOf(results[4 + index]!);
      assert.deepEqual(withoutReceivedHeader(message).original, original);
      assert.equal(message.length, listed[index], 'LIST counts the octets RETR sends (CRLF line ends)');
      assert.equal(response, `+OK ${message.length} octets`);
    }
    const top = messageOf(results[6]!).message.toString('latin1');
    assert.ok(top.endsWith(`\r\n\r\n.line 0 ${'x'.repeat(60)}\r\nline 1 ${'x'.repeat(60)}\r\nline 2 ${'x'.repeat(60)}\r\n`));

    // The wire itself: the stored message, every line-leading dot doubled, then ".CRLF".
    const client = await loggedIn(service, box.address, box.appPassword);
    assert.match(await client.command('RETR 1'), /^\+OK \d+ octets$/);
    const wire = await client.multiLineBody();
    const stored = messageOf(results[4]!).message;
    const stuffed = Buffer.from(`${stored.toString('latin1').replace(/^\./gm, '..')}.\r\n`, 'latin1');
    assert.deepEqual(wire, stuffed);
    assert.match(await client.command('QUIT'), /^\+OK/);
    client.close();
  });

  test('DELE takes effect at QUIT only, never on a dropped connection', async () => {
    const box = await mailboxWithAppPassword(service, 'dele.quit@sealpost.test');
    for (const subject of ['one', 'two', 'three']) await deliver(service, box.address, rawMessage(subject, `${subject}\r\n`));
    const inbox = await service.core.folders.findBySpecialUse(box.accountId, '\\Inbox');
    const uids = (await service.core.messages.list(box.accountId, inbox.id)).map((record) => record.uid);

    const dropped = await loggedIn(service, box.address, box.appPassword);
    assert.match(await dropped.command('DELE 1'), /^\+OK/);
    assert.match(await dropped.command('DELE 2'), /^\+OK/);
    assert.match(await dropped.command('STAT'), /^\+OK 1 /);
    dropped.close();

    const session = await loggedIn(service, box.address, box.appPassword);
    assert.match(await session.command('STAT'), /^\+OK 3 /, 'the dropped session deleted nothing');
    assert.match(await session.command('DELE 2'), /^\+OK/);
    assert.equal(await session.command('DELE 2'), '-ERR Message 2 is deleted');
    assert.equal(await session.command('RETR 2'), '-ERR Message 2 is deleted');
    assert.equal(await session.command('LIST 2'), '-ERR Message 2 is deleted');
    assert.equal(await session.command('TOP 2 0'), '-ERR Message 2 is deleted');
    assert.equal(await session.command('UIDL 2'), '-ERR Message 2 is deleted');
    assert.equal(await session.command('RETR 4'), '-ERR There is no message 4');
    assert.equal(await session.command('RETR 0'), '-ERR There is no message 0');
    assert.equal((await service.core.messages.list(box.accountId, inbox.id)).length, 3, 'nothing removed before QUIT');
    assert.equal(await session.command('QUIT'), '+OK Logging out, 1 messages deleted');
    await session.untilClosed();

    assert.deepEqual(
      (await service.core.messages.list(box.accountId, inbox.id)).map((record) => record.uid),
      [uids[0], uids[2]],
    );
    const next = await loggedIn(service, box.address, box.appPassword);
    const { lines } = await next.multiLine('UIDL');
    assert.deepEqual(lines, [`1 ${inbox.uidValidity}.${uids[0]}`, `2 ${inbox.uidValidity}.${uids[2]}`], 'renumbered, same UIDLs');
    await next.command('QUIT');
    next.close();
  });

  test('one session per mailbox: a second login gets [IN-USE] until the first ends', async () => {
    const box = await mailboxWithAppPassword(service, 'in.use@sealpost.test');
    const first = await loggedIn(service, box.address, box.appPassword);
    const refused = await poplib(service.port('pop3s'), 'implicit', [['user', box.address], ['pass_', box.appPassword], ['stat']]);
    assert.equal(errorOf(refused[2]), '-ERR [IN-USE] Mailbox is locked by another POP3 session');
    assert.match(errorOf(refused[3]), /not valid in this state/, 'still not logged in');
    assert.match(await first.command('QUIT'), /^\+OK/);
    await first.untilClosed();
    const second = await loggedIn(service, box.address, box.appPassword);
    assert.match(await second.command('STAT'), /^\+OK 0 0$/);
    second.close();
  });

  test('a wrong app password, an unknown address and the account password fail alike, in the same time', async () => {
    const box = await mailboxWithAppPassword(service, 'failures@sealpost.test');
    const attempts: [string, string][] = [
      [box.address, service.crypto.newAppPassword()],
      ['nobody.here@sealpost.test', service.crypto.newAppPassword()],
      [box.address, box.password],
      ['nobody.here@sealpost.test', box.appPassword],
    ];
    const client = await RawPop3.open(service.port('pop3s'), { tls: true });
    await client.line();
    const outcomes: { reply: string; ms: number }[] = [];
    for (const [address, secret] of attempts) {
      for (const method of ['USER/PASS', 'AUTH PLAIN']) {
        const started = performance.now();
        let reply: string;
        if (method === 'USER/PASS') {
          assert.equal(await client.command(`USER ${address}`), '+OK', 'USER never tells whether the address exists');
          reply = await client.command(`PASS ${secret}`);
        } else {
          reply = await client.command(`AUTH PLAIN ${Buffer.from(`\0${address}\0${secret}`).toString('base64')}`);
        }
        outcomes.push({ reply, ms: performance.now() - started });
      }
    }
    client.close();
    assert.deepEqual(new Set(outcomes.map((outcome) => outcome.reply)), new Set(['-ERR [AUTH] Authentication failed']));
    for (const { ms } of outcomes) {
      assert.ok(ms >= FAILURE_DELAY_MS - 5, `answered after ${ms} ms, before the failure delay`);
      assert.ok(ms < FAILURE_DELAY_MS + 400, `answered after ${ms} ms`);
    }
  });

  test('authentication needs TLS: nothing is offered or accepted in clear, STLS turns it on', async () => {
    const box = await mailboxWithAppPassword(service, 'needs.tls@sealpost.test');
    const client = await RawPop3.open(service.port('pop3'));
    assert.match(await client.line(), /^\+OK /);
    const capa = await client.multiLine('CAPA');
    assert.ok(capa.lines.includes('STLS') && !capa.lines.includes('USER') && !capa.lines.some((line) => line.startsWith('SASL')), capa.lines.join(','));
    const refusal = '-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections, use STLS first';
    assert.equal(await client.command(`USER ${box.address}`), refusal);
    assert.equal(await client.command('PASS whatever'), refusal);
    assert.equal(await client.command('AUTH PLAIN'), refusal);
    assert.deepEqual(await client.multiLine('AUTH'), { status: '+OK Methods supported', lines: [] });
    assert.match(await client.command('STLS'), /^\+OK Begin TLS negotiation/);
    await client.startTls();
    const secured = await client.multiLine('CAPA');
    assert.ok(secured.lines.includes('USER') && secured.lines.includes('SASL PLAIN') && !secured.lines.includes('STLS'), secured.lines.join(','));
    assert.deepEqual(await client.multiLine('AUTH'), { status: '+OK Methods supported', lines: ['PLAIN'] });
    assert.equal(await client.command('STLS'), '-ERR TLS is already active');
    assert.equal(await client.command('PASS x'), '-ERR No user name given, send USER first');
    assert.equal(await client.command('USER x'), '+OK');
    assert.match(await client.command(`USER ${box.address}`), /^\+OK/);
    assert.match(await client.command(`PASS ${box.appPassword}`), /^\+OK Logged in/);
    assert.equal(await client.command(`USER ${box.address}`), '-ERR USER is not valid in this state');
    assert.equal(await client.command('STLS'), '-ERR STLS is not valid in this state');
    assert.match(await client.command('QUIT'), /^\+OK/);
    client.close();

    const implicit = await RawPop3.open(service.port('pop3s'), { tls: true });
    await implicit.line();
    assert.equal(await implicit.command('STLS'), '-ERR TLS is already active');
    implicit.close();
  });

  test('AUTH PLAIN with a continuation, cancelled, malformed, or for another identity', async () => {
    const box = await mailboxWithAppPassword(service, 'sasl.plain@sealpost.test');
    const client = await RawPop3.open(service.port('pop3s'), { tls: true });
    await client.line();
    assert.equal(await client.command('AUTH CRAM-MD5'), '-ERR Unsupported authentication mechanism');
    assert.equal(await client.command('AUTH PLAIN'), '+ ');
    assert.equal(await client.command('*'), '-ERR Authentication aborted');
    assert.equal(await client.command('AUTH PLAIN'), '+ ');
    assert.equal(await client.command('not base64!'), '-ERR Invalid base64 data');
    assert.equal(await client.command(`AUTH PLAIN ${Buffer.from('no separators').toString('base64')}`), '-ERR Malformed PLAIN credentials');
    assert.equal(
      await client.command(`AUTH PLAIN ${Buffer.from(`someone.else@sealpost.test\0${box.address}\0${box.appPassword}`).toString('base64')}`),
      '-ERR [AUTH] Authorization identity must be empty or equal to the user',
    );
    assert.equal(await client.command('AUTH PLAIN'), '+ ');
    assert.match(await client.command(Buffer.from(`${box.address}\0${box.address}\0${box.appPassword}`).toString('base64')), /^\+OK Logged in/);
    await client.command('QUIT');
    client.close();
  });

  test('RETR flags \\Seen at the end of the session, as Dovecot does; TOP and RSET do not', async () => {
    const box = await mailboxWithAppPassword(service, 'seen.flags@sealpost.test');
    for (const subject of ['a', 'b', 'c', 'd']) await deliver(service, box.address, rawMessage(subject, `${subject}\r\n`));
    const inbox = await service.core.folders.findBySpecialUse(box.accountId, '\\Inbox');
    const seen = async () => (await service.core.messages.list(box.accountId, inbox.id)).map((record) => record.flags.includes('\\Seen'));

    const session = await loggedIn(service, box.address, box.appPassword);
    await session.command('RETR 1');
    await session.multiLineBody();
    assert.deepEqual(await seen(), [false, false, false, false], 'nothing changes before the session ends');
    await session.command('RETR 2');
    await session.multiLineBody();
    await session.command('RSET');
    await session.command('RETR 3');
    await session.multiLineBody();
    await session.command('TOP 4 10');
    await session.multiLineBody();
    await session.command('QUIT');
    await session.untilClosed();
    assert.deepEqual(await seen(), [false, false, true, false]);

    const dropped = await loggedIn(service, box.address, box.appPassword);
    await dropped.command('RETR 1');
    await dropped.multiLineBody();
    dropped.close();
    const next = await loggedIn(service, box.address, box.appPassword);
    assert.deepEqual(await seen(), [true, false, true, false], 'a dropped session keeps what it retrieved \\Seen');
    next.close();
  });

  test('a message expunged by another session since login is reported, not served', async () => {
    const box = await mailboxWithAppPassword(service, 'expunged.elsewhere@sealpost.test');
    await deliver(service, box.address, rawMessage('gone', 'soon gone\r\n'));
    await deliver(service, box.address, rawMessage('kept', 'kept\r\n'));
    const inbox = await service.core.folders.findBySpecialUse(box.accountId, '\\Inbox');
    const [gone] = await service.core.messages.list(box.accountId, inbox.id);
    const session = await loggedIn(service, box.address, box.appPassword);
    await service.core.mailbox.expunge(box.accountId, inbox.id, [gone!.uid]);
    assert.equal(await session.command('RETR 1'), '-ERR Message 1 was removed by another session');
    assert.equal(await session.command('TOP 1 0'), '-ERR Message 1 was removed by another session');
    assert.match(await session.command('RETR 2'), /^\+OK/);
    const body = await session.multiLineBody();
    assert.ok(body.toString('latin1').includes('Subject: kept'));
    assert.match(await session.command('DELE 1'), /^\+OK/);
    assert.equal(await session.command('QUIT'), '+OK Logging out', 'nothing left to remove');
    session.close();
  });

  test("the session's keys are wiped at QUIT, on a dropped connection and after an [IN-USE] refusal", async () => {
    const box = await mailboxWithAppPassword(service, 'wiped.keys@sealpost.test');
    await deliver(service, box.address, rawMessage('keys', 'keys\r\n'));
    const accounts = service.core.accounts;
    const unlock = accounts.unlockWithAppSecret.bind(accounts);
    const handedOut: MailboxKeys[] = [];
    accounts.unlockWithAppSecret = async (...args) => {
      const unlocked = await unlock(...args);
      handedOut.push(unlocked.keys);
      return unlocked;
    };
    const wiped = (keys: MailboxKeys) => [keys.masterKey, keys.privateKey].every((key) => key.length > 0 && key.every((byte) => byte === 0));
    try {
      const quitting = await loggedIn(service, box.address, box.appPassword);
      await quitting.command('RETR 1');
      await quitting.multiLineBody();
      assert.ok(!wiped(handedOut[0]!), 'in use while the session runs');
      const refused = await RawPop3.open(service.port('pop3s'), { tls: true });
      await refused.line();
      await refused.command(`USER ${box.address}`);
      assert.match(await refused.command(`PASS ${box.appPassword}`), /\[IN-USE\]/);
      refused.close();
      assert.ok(wiped(handedOut[1]!), "the refused session's keys");
      await quitting.command('QUIT');
      await quitting.untilClosed();
      assert.ok(wiped(handedOut[0]!), 'after QUIT');

      const dropping = await loggedIn(service, box.address, box.appPassword);
      const droppedKeys = handedOut.at(-1)!;
      dropping.close();
      const next = await loggedIn(service, box.address, box.appPassword);
      assert.ok(wiped(droppedKeys), 'after the connection dropped');
      next.close();
    } finally {
      accounts.unlockWithAppSecret = unlock;
    }
  });

  test('the app password survives its own display format: dashes and case do not matter', async () => {
    const box = await mailboxWithAppPassword(service, 'format.free@sealpost.test');
    const results = await poplib(service.port('pop3s'), 'implicit', [
      ['user', box.address.toUpperCase()],
      ['pass_', box.appPassword.replaceAll('-', ' ').toUpperCase()],
      ['quit'],
    ]);
    assert.match(textOf(okOf(results[2])), /^\+OK Logged in/);
    assert.ok(bytesOf(okOf(results[3])).toString().startsWith('+OK'));
  });
});
