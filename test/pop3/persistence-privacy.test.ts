// What outlives a POP3 session and what must not: UIDLs stay the same across a restart of
// the service (so a client that leaves mail on the server never downloads it twice), while
// a client's address (127.0.0.77 here), its app password and its mail reach neither the
// data directory nor the log (docs/design.md promises 1 and 4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { searchBytes } from '../helpers/byte-search.ts';
import { startTestService } from '../helpers/service.ts';
import { curl, deliver, mailboxWithAppPassword, poplib, RawPop3, textOf, okOf } from './clients.ts';

const OVERRIDES = ['pop3.port=0', 'pop3.tlsPort=0', 'pop3.authFailureDelayMs=0'];

async function uidls(port: number, address: string, appPassword: string): Promise<string[]> {
  const results = await poplib(port, 'implicit', [['user', address], ['pass_', appPassword], ['uidl'], ['quit']]);
  return (okOf(results[3]) as [unknown, unknown[]])[1].map(textOf);
}

test('UIDLs are stable across a restart, and new mail gets new ones', async () => {
  const first = await startTestService(OVERRIDES);
  try {
    const box = await mailboxWithAppPassword(first, 'stable.uidl@sealpost.test');
    for (const subject of ['one', 'two', 'three']) await deliver(first, box.address, Buffer.from(`Subject: ${subject}\r\n\r\n${subject}\r\n`));
    const before = await uidls(first.port('pop3s'), box.address, box.appPassword);
    assert.equal(before.length, 3);

    // A stop ends open sessions (as a dropped connection: no deletion) and half-open
    // handshakes at once.
    const open = await RawPop3.open(first.port('pop3s'), { tls: true });
    await open.line();
    await open.command(`USER ${box.address}`);
    await open.command(`PASS ${box.appPassword}`);
    assert.match(await open.command('DELE 1'), /^\+OK/);
    const handshaking = connect({ host: '127.0.0.1', port: first.port('pop3s') });
    handshaking.on('error', () => undefined);
    await new Promise((resolve) => handshaking.once('connect', resolve));
    const stopping = performance.now();
    await first.stop({ keepData: true });
    assert.ok(performance.now() - stopping < 3000, 'nothing holds the stop back');
    assert.equal(await open.untilClosed(), '-ERR [SYS/TEMP] Server shutting down\r\n');

    const second = await startTestService(OVERRIDES, first.dataDir);
    try {
      assert.deepEqual(await uidls(second.port('pop3s'), box.address, box.appPassword), before);
      await deliver(second, box.address, Buffer.from('Subject: four\r\n\r\nfour\r\n'));
      const after = await uidls(second.port('pop3s'), box.address, box.appPassword);
      assert.deepEqual(after.slice(0, 3), before);
      const newest = after[3]!.split(' ')[1]!;
      assert.ok(!before.some((line) => line.endsWith(` ${newest}`)), 'a new message never reuses a UIDL');
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});

test('a client at 127.0.0.77 leaves no trace of its address, its app password or its mail', async () => {
  const service = await startTestService(OVERRIDES);
  try {
    const client = '127.0.0.77';
    const box = await mailboxWithAppPassword(service, 'private.pop@sealpost.test');
    const canary = `CANARY${randomBytes(12).toString('hex')}`;
    await deliver(service, box.address, Buffer.from(`Subject: ${canary}\r\n\r\nbody ${canary}\r\n`));

    const session = await RawPop3.open(service.port('pop3'), { localAddress: client });
    await session.line();
    await session.command('STLS');
    await session.startTls();
    await session.command(`USER ${box.address}`);
    assert.equal(await session.command(`PASS ${service.crypto.newAppPassword()}`), '-ERR [AUTH] Authentication failed');
    await session.command(`USER ${box.address}`);
    assert.match(await session.command(`PASS ${box.appPassword}`), /^\+OK Logged in/);
    assert.match(await session.command('RETR 1'), /^\+OK/);
    assert.ok((await session.multiLineBody()).toString('latin1').includes(canary), 'the client read its mail');
    assert.match(await session.command('QUIT'), /^\+OK/);
    session.close();
    const viaCurl = await curl([`pop3s://127.0.0.1:${service.port('pop3s')}/1`, '--interface', client, '--user', `${box.address}:${box.appPassword}`]);
    assert.equal(viaCurl.code, 0, viaCurl.stderr);
    assert.ok(viaCurl.stdout.toString().includes(canary));

    assert.ok(
      service.logLines.some((line) => line.includes('pop3: session ended')),
      'the sessions were logged',
    );
    for (const needle of [client, box.appPassword, canary]) {
      assert.deepEqual(await searchBytes(service.dataDir, needle), [], `${needle} is not at rest`);
      assert.ok(!service.logLines.some((line) => line.includes(needle)), `${needle} is not in the log`);
    }
    const pop3Lines = service.logLines.filter((line) => line.includes('pop3'));
    assert.ok(!pop3Lines.some((line) => line.includes(box.address)), 'POP3 does not log the address of the mailbox either');
  } finally {
    await service.stop();
  }
});
