// POP3 under input no real client sends: binary junk, overlong lines, commands in the wrong
// state, absurd arguments, pipelined batches, one byte at a time, plaintext smuggled after
// STLS, idle and abusive clients, and login throttling. Every bad line gets an -ERR, the
// server keeps serving, and limits end the connections they should.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestService, type TestService } from '../helpers/service.ts';
import { deliver, loggedIn, mailboxWithAppPassword, RawPop3 } from './clients.ts';

const IDLE_TIMEOUT_MS = 1200;
const MAX_COMMANDS_BEFORE_AUTH = 10;
const MAX_FAILURES = 3;

describe('POP3 robustness', () => {
  let service: TestService;
  let box: Awaited<ReturnType<typeof mailboxWithAppPassword>>;

  before(async () => {
    service = await startTestService([
      'pop3.port=0',
      'pop3.tlsPort=0',
      'pop3.authFailureDelayMs=0',
      `pop3.idleTimeoutMs=${IDLE_TIMEOUT_MS}`,
      `pop3.maxCommandsBeforeAuth=${MAX_COMMANDS_BEFORE_AUTH}`,
      `pop3.authMaxFailuresPerSource=${MAX_FAILURES}`,
    ]);
    box = await mailboxWithAppPassword(service, 'robust@sealpost.test');
    await deliver(service, box.address, Buffer.from('From: a@remote.example\r\nSubject: robust\r\n\r\nbody line\r\n.dot line\r\n'));
  });
  after(() => service.stop());

  test('junk, overlong lines, wrong states and absurd arguments each get -ERR, and the session goes on', async () => {
    const before = await RawPop3.open(service.port('pop3s'), { tls: true });
    await before.line();
    assert.equal(await before.command('STAT'), '-ERR STAT is not valid in this state');
    assert.equal(await before.command('RETR 1'), '-ERR RETR is not valid in this state');
    assert.equal(await before.command('NOOP'), '-ERR NOOP is not valid in this state');
    before.send(Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x1b, 0x5b, 0x32, 0x4a, 0x07]), Buffer.from('\r\n')]));
    assert.equal(await before.line(), '-ERR Unknown command');
    before.close();

    const session = await loggedIn(service, box.address, box.appPassword);
    const refusals: [string | Buffer, string][] = [
      [Buffer.from([0x00, 0x01, 0xc3, 0x28, 0xff, 0x0d, 0x0a]), '-ERR Unknown command'],
      ['\r\n', '-ERR Empty command'],
      [`${'X'.repeat(5000)}\r\n`, '-ERR Line too long'],
      ['GET / HTTP/1.1\r\n', '-ERR Unknown command'],
      ['APOP robust@sealpost.test c4c9334bac560ecc979e58001b3e22fb\r\n', '-ERR Unknown command'],
      [`USER ${box.address}\r\n`, '-ERR USER is not valid in this state'],
      ['PASS secret\r\n', '-ERR PASS is not valid in this state'],
      ['AUTH PLAIN\r\n', '-ERR AUTH is not valid in this state'],
      ['STLS\r\n', '-ERR STLS is not valid in this state'],
      ['RETR 99999999999999999999999999\r\n', '-ERR RETR needs one message number'],
      [`LIST ${'9'.repeat(1500)}\r\n`, '-ERR LIST takes at most one message number'],
      ['TOP 1 -1\r\n', '-ERR TOP needs a message number and a number of lines'],
      ['DELE one\r\n', '-ERR DELE needs one message number'],
      ['RETR 2147483647\r\n', '-ERR There is no message 2147483647'],
      ['STAT now\r\n', '-ERR STAT takes no arguments'],
    ];
    for (const [input, expected] of refusals) {
      session.send(input);
      assert.equal(await session.line(), expected, JSON.stringify(input.toString().slice(0, 40)));
    }
    // An overlong line arriving in pieces without a line end is refused once, when it is.
    for (let piece = 0; piece < 4; piece++) session.send('Y'.repeat(3000));
    session.send('\r\n');
    assert.equal(await session.line(), '-ERR Line too long');
    assert.match(await session.command('STAT'), /^\+OK 1 \d+$/);
    assert.match(await session.command('RETR 1'), /^\+OK/);
    assert.match((await session.multiLineBody()).toString('latin1'), /\r\n\.\.dot line\r\n\.\r\n$/);
    assert.match(await session.command('QUIT'), /^\+OK/);
    session.close();

    const fresh = await loggedIn(service, box.address, box.appPassword);
    assert.match(await fresh.command('NOOP'), /^\+OK/);
    fresh.close();
  });

  test('twenty bad commands in a row close the connection', async () => {
    const client = await loggedIn(service, box.address, box.appPassword);
    client.send('BOGUS\r\n'.repeat(25));
    const rest = await client.untilClosed();
    assert.equal(rest, `${'-ERR Unknown command\r\n'.repeat(20)}-ERR Too many bad commands, closing connection\r\n`);
    client.close();
  });

  test(`at most ${MAX_COMMANDS_BEFORE_AUTH} lines before login`, async () => {
    const client = await RawPop3.open(service.port('pop3s'), { tls: true });
    await client.line();
    for (let count = 0; count < MAX_COMMANDS_BEFORE_AUTH; count++) await client.multiLine('CAPA');
    client.send('CAPA\r\n');
    assert.equal(await client.untilClosed(), '-ERR Too many commands before authentication\r\n');
  });

  test('pipelined commands are answered in order, even a burst that fills the read-ahead', async () => {
    const client = await loggedIn(service, box.address, box.appPassword);
    client.send('STAT\r\nLIST\r\nUIDL 1\r\nRETR 1\r\nDELE 1\r\nNOOP\r\nTOP 1 0\r\nRSET\r\nLIST 1\r\n');
    assert.match(await client.line(), /^\+OK 1 \d+$/);
    assert.equal((await client.multiLine()).lines.length, 1);
    assert.match(await client.line(), /^\+OK 1 \d+\.\d+$/);
    assert.match(await client.line(), /^\+OK \d+ octets$/);
    assert.match((await client.multiLineBody()).toString('latin1'), /Subject: robust/);
    assert.equal(await client.line(), '+OK Message 1 deleted');
    assert.equal(await client.line(), '+OK');
    assert.equal(await client.line(), '-ERR Message 1 is deleted');
    assert.match(await client.line(), /^\+OK Maildrop has 1 messages/);
    assert.match(await client.line(), /^\+OK 1 \d+$/);

    const burst = 500;
    client.send('NOOP\r\n'.repeat(burst));
    for (let count = 0; count < burst; count++) assert.equal(await client.line(), '+OK');
    assert.match(await client.command('QUIT'), /^\+OK Logging out$/);
    client.close();
  });

  test('a client sending one byte at a time is understood', async () => {
    const client = await RawPop3.open(service.port('pop3s'), { tls: true });
    await client.line();
    const trickle = async (text: string) => {
      for (const character of text) {
        client.send(character);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await trickle(`USER ${box.address}\r\nPASS ${box.appPassword}\r\nUIDL\r\n`);
    assert.equal(await client.line(), '+OK');
    assert.match(await client.line(), /^\+OK Logged in/);
    assert.equal((await client.multiLine()).lines.length, 1);
    await trickle('QUIT\n');
    assert.match(await client.line(), /^\+OK Logging out/);
    client.close();
  });

  test('plaintext sent after STLS, ahead of the handshake, is never run (RFC 2595, CVE-2011-0411)', async () => {
    const client = await RawPop3.open(service.port('pop3'));
    await client.line();
    // Enough smuggled lines to fill the read-ahead too, which pauses the plain socket.
    client.send(`STLS\r\nCAPA\r\nUSER ${box.address}\r\n${'NOOP\r\n'.repeat(100)}`);
    assert.match(await client.line(), /^\+OK Begin TLS/);
    await client.startTls();
    client.send('QUIT\r\n');
    assert.equal(await client.untilClosed(), '+OK Logging out\r\n', 'no reply to the smuggled CAPA or USER');
  });

  test('an idle client is disconnected and its mailbox unlocked', async () => {
    const waiting = await RawPop3.open(service.port('pop3'));
    await waiting.line();
    const session = await loggedIn(service, box.address, box.appPassword);
    const started = performance.now();
    assert.equal(await session.untilClosed(), '-ERR Disconnected for inactivity\r\n');
    assert.equal(await waiting.untilClosed(), '-ERR Disconnected for inactivity\r\n');
    const waited = performance.now() - started;
    assert.ok(waited >= IDLE_TIMEOUT_MS - 100 && waited < IDLE_TIMEOUT_MS + 1500, `closed after ${waited} ms`);
    const next = await loggedIn(service, box.address, box.appPassword);
    assert.match(await next.command('QUIT'), /^\+OK/);
    next.close();
  });

  test('junk on the implicit-TLS port ends that connection only', async () => {
    const socket = connect({ host: '127.0.0.1', port: service.port('pop3s') });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write('USER nobody\r\n\x16\x03\x01\x00\xff garbage that is not a TLS hello\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    const client = await loggedIn(service, box.address, box.appPassword);
    assert.match(await client.command('STAT'), /^\+OK/);
    client.close();
  });

  test('failed logins are throttled per client address; failures from many addresses do not lock the owner out', async () => {
    const failFrom = async (localAddress: string, address: string, times: number) => {
      const client = await RawPop3.open(service.port('pop3s'), { tls: true, localAddress });
      await client.line();
      const replies: string[] = [];
      for (let attempt = 0; attempt < times; attempt++) {
        await client.command(`USER ${address}`);
        replies.push(await client.command(`PASS ${service.crypto.newAppPassword()}`));
      }
      client.close();
      return replies;
    };
    const throttled = '-ERR [SYS/TEMP] Too many failed logins, try again later';

    // Per source: 127.0.0.2 used up its failures; even the right secret is refused there.
    assert.deepEqual(await failFrom('127.0.0.2', 'someone.a@sealpost.test', MAX_FAILURES + 1), [
      ...new Array<string>(MAX_FAILURES).fill('-ERR [AUTH] Authentication failed'),
      throttled,
    ]);
    const blockedSource = await RawPop3.open(service.port('pop3s'), { tls: true, localAddress: '127.0.0.2' });
    await blockedSource.line();
    await blockedSource.command(`USER ${box.address}`);
    assert.equal(await blockedSource.command(`PASS ${box.appPassword}`), throttled);
    blockedSource.close();

    // None per account: failures from many addresses do not keep the owner out.
    const victim = await mailboxWithAppPassword(service, 'throttled.victim@sealpost.test');
    for (let source = 0; source < MAX_FAILURES + 1; source++) await failFrom(`127.0.1.${source + 1}`, victim.address, 1);
    const owner = await RawPop3.open(service.port('pop3s'), { tls: true, localAddress: '127.0.2.1' });
    await owner.line();
    await owner.command(`USER ${victim.address}`);
    assert.match(await owner.command(`PASS ${victim.appPassword}`), /^\+OK Logged in/, 'the owner is let in');
    owner.close();
  });
});

test('connections beyond pop3.maxConnections are refused, on both ports together', async () => {
  const service = await startTestService(['pop3.port=0', 'pop3.tlsPort=0', 'pop3.maxConnections=2']);
  try {
    const first = await RawPop3.open(service.port('pop3'));
    assert.match(await first.line(), /^\+OK/);
    const second = await RawPop3.open(service.port('pop3s'), { tls: true });
    assert.match(await second.line(), /^\+OK/);
    const refused = await RawPop3.open(service.port('pop3'));
    assert.equal(await refused.untilClosed(), '-ERR [SYS/TEMP] Too many connections, try again later\r\n', 'told why in clear');
    await assert.rejects(RawPop3.open(service.port('pop3s'), { tls: true }), 'dropped before the TLS handshake');
    assert.match(await first.command('QUIT'), /^\+OK/);
    await first.untilClosed();
    for (let attempt = 0; ; attempt++) {
      const next = await RawPop3.open(service.port('pop3s'), { tls: true }).catch(() => undefined);
      const greeting = await next?.line();
      next?.close();
      if (greeting?.startsWith('+OK')) break;
      assert.ok(attempt < 50, 'a slot frees up once a connection has closed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    second.close();
  } finally {
    await service.stop();
  }
});
