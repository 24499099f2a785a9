// The header bomb at the MX, against a real `sealpost start`: a message made of a million
// header lines is refused with 552 5.3.4 once it passes the header limits (bytes and fields),
// before anything parses it, with the sender checks on; while four such bombs arrive at once,
// a well-behaved sender, a web browser and an IMAP client are served as usual. (How much the
// bombs move their latency is measured by scripts/bench-header-bomb.ts, not asserted here.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { EPHEMERAL_PORT_SETTINGS } from '../../scripts/lib/ephemeral-ports.ts';
import { runSealpost, startServerProcess, type ServerProcess } from '../../scripts/lib/server-process.ts';
import { RawSmtp } from '../helpers/raw-smtp.ts';
import { startRecordingDnsServer, type RecordingDnsServer } from '../helpers/recording-dns-server.ts';

const CHEAP_KDF = ['--set', 'passwordKdf.opsLimit=1', '--set', 'passwordKdf.memLimitBytes=8388608'];
const VICTIM = 'victim@sealpost.test';
/** 1.1 million header lines, 17.6 MB: under the 20 MiB message limit, far past the header's. */
const BOMB_LINES = 1_100_000;
/** The bombs' own loopback address, searched for in everything the server printed. */
const BOMB_PEER = '127.0.0.77';

function header(fields: number, value = 'v'): string {
  return `From: <bomb@remote.example>\r\nTo: <${VICTIM}>\r\nSubject: fields\r\n${`X-Filler: ${value}\r\n`.repeat(fields - 3)}`;
}

/** One message over a raw connection; the final reply. */
async function sendRaw(port: number, message: string): Promise<string> {
  const client = await RawSmtp.open(port, BOMB_PEER);
  try {
    await client.reply();
    await client.command('EHLO bomber.example');
    assert.match(await client.command('MAIL FROM:<bomb@remote.example>'), /^250/);
    assert.match(await client.command(`RCPT TO:<${VICTIM}>`), /^250/);
    assert.match(await client.command('DATA'), /^354/);
    client.write(message);
    client.write('\r\n.\r\n');
    return await client.reply(60_000);
  } finally {
    client.close();
  }
}

function httpsStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    })
      .on('error', reject)
      .end();
  });
}

function imapGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setEncoding('latin1');
    socket.once('data', (line: string) => {
      socket.destroy();
      resolve(line);
    });
    socket.once('error', reject);
  });
}

async function inboxCount(dataDir: string): Promise<number> {
  const list = await runSealpost(['account', 'list', '--data-dir', dataDir]);
  return Number(/victim@sealpost\.test .*?(\d+) messages/.exec(list.stdout)?.[1]);
}

describe('MX header bomb', () => {
  let dataDir: string;
  let dns: RecordingDnsServer;
  let server: ServerProcess;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sealpost-header-bomb-'));
    dns = await startRecordingDnsServer();
    const created = await runSealpost(['account', 'create', VICTIM, '--data-dir', dataDir, ...CHEAP_KDF], 'a long enough password\n');
    assert.equal(created.code, 0, created.stderr);
    // The sender checks on (the default), asking a DNS server on loopback that knows nothing.
    server = await startServerProcess(dataDir, ['listenAddress=127.0.0.1', ...EPHEMERAL_PORT_SETTINGS, 'log.level=debug', `filter.dnsServers=${dns.address}`]);
  });

  after(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await dns?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('past 2,000 fields or 1 MiB of header: 552 5.3.4 and nothing stored; at the limit: stored', async () => {
    const mx = server.ports['smtp-mx']!;
    assert.match(await sendRaw(mx, `${header(2001)}\r\nbody`), /^552 5\.3\.4 /);
    assert.match(await sendRaw(mx, `${header(4, 'x'.repeat(1024 * 1024))}\r\nbody`), /^552 5\.3\.4 /);
    assert.equal(await inboxCount(dataDir), 0);
    assert.match(await sendRaw(mx, `${header(2000)}\r\nbody`), /^250 /);
    assert.equal(await inboxCount(dataDir), 1);
  });

  test('four bombs of 1.1 million lines at once: each refused, everyone else served meanwhile', { timeout: 120_000 }, async () => {
    const mx = server.ports['smtp-mx']!;
    const before = await inboxCount(dataDir);
    const bomb = `${'X-Bomb-Line: v\r\n'.repeat(BOMB_LINES)}\r\nbody`;
    const bombs = Array.from({ length: 4 }, () => sendRaw(mx, bomb));
    const served = await Promise.all([
      nodemailer
        .createTransport({ host: '127.0.0.1', port: mx, tls: { rejectUnauthorized: false } })
        .sendMail({ from: 'friend@remote.example', to: VICTIM, subject: 'during the attack', text: 'still here' }),
      httpsStatus(server.ports.https!),
      imapGreeting(server.ports.imap!),
    ]);
    assert.match(served[0].response, /^250 /);
    assert.equal(served[1], 200);
    assert.match(served[2], /^\* OK /);
    for (const reply of await Promise.all(bombs)) assert.match(reply, /^552 5\.3\.4 /);
    assert.equal(await inboxCount(dataDir), before + 1);
    assert.ok(!server.output.join('').includes(BOMB_PEER), 'no output line names the peer (docs/design.md promise 4)');
  });
});
