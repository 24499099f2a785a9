// Per-client connection limits on every listener of a real `sealpost start` (issue 12, item
// 3): one address holding its share of sockets is refused more, told why on a plaintext port
// and dropped before TLS on the others, while another address is served on every port; one
// that connects too fast is refused too; a connection that does not log in is closed at the
// login deadline. No address is printed (docs/design.md promise 4).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { EPHEMERAL_PORT_SETTINGS } from '../../scripts/lib/ephemeral-ports.ts';
import { startServerProcess, type ServerProcess } from '../../scripts/lib/server-process.ts';
import { searchBytes } from '../helpers/byte-search.ts';

const ATTACKER = '127.0.0.77';
const NEIGHBOUR = '127.0.0.78';
const CAP = 4;
const PLAIN = ['smtp-mx', 'submission', 'imap', 'pop3'] as const;
/** Each plaintext port with its service's implicit-TLS port (the MX has none). */
const TLS_TWIN: Record<string, string | undefined> = { 'smtp-mx': undefined, submission: 'submissions', imap: 'imaps', pop3: 'pop3s' };
const GREETING = /^(220 |\* OK |\+OK )/;

interface Probe {
  socket: Socket;
  /** The first bytes the server sent, or '' if it closed without a word. */
  first: Promise<string>;
}

/** TLS from a chosen local address (tls.connect takes it only through a socket of its own). */
function tlsFrom(port: number, localAddress: string) {
  return tlsConnect({ socket: connect({ host: '127.0.0.1', port, localAddress }), rejectUnauthorized: false });
}

function probe(port: number, localAddress: string, tls = false): Probe {
  const socket = tls ? (tlsFrom(port, localAddress) as unknown as Socket) : connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => undefined);
  socket.setEncoding('latin1');
  const first = new Promise<string>((resolve) => {
    socket.once('data', (data: string) => resolve(data));
    socket.once('close', () => resolve(''));
  });
  return { socket, first };
}

const closed = (socket: Socket) => (socket.destroyed ? Promise.resolve() : once(socket, 'close').then(() => undefined));

describe('per-client connection limits', () => {
  let dataDir: string;
  let server: ServerProcess;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sealpost-per-client-'));
    server = await startServerProcess(dataDir, [
      'listenAddress=127.0.0.1',
      ...EPHEMERAL_PORT_SETTINGS,
      'log.level=debug',
      'web.enabled=true',
      'filter.authentication=false',
      `smtp.mx.perClient.maxConnections=${CAP}`,
      `smtp.submission.perClient.maxConnections=${CAP}`,
      `imap.limits.perClient.maxConnections=${CAP}`,
      `pop3.perClient.maxConnections=${CAP}`,
      `web.perClient.maxConnections=${CAP}`,
      'pop3.perClient.connectionsPerMinute=30',
      'clients.loginTimeoutMs=1500',
    ]);
  });

  after(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const name of PLAIN) {
    test(`${name}: past ${CAP} sockets from one address it is refused on both ports; another address is served`, async () => {
      const held = Array.from({ length: CAP }, () => probe(server.ports[name]!, ATTACKER));
      for (const { first } of held) assert.match(await first, GREETING);
      const refused = probe(server.ports[name]!, ATTACKER);
      assert.match(await refused.first, /(421 4\.7\.0 .*|\* BYE |-ERR \[SYS\/TEMP\] )Too many connections from your address/);
      await closed(refused.socket);
      const twin = TLS_TWIN[name];
      if (twin) {
        const refusedTls = tlsFrom(server.ports[twin]!, ATTACKER);
        let handshaken = false;
        refusedTls.on('secureConnect', () => (handshaken = true)).on('error', () => undefined);
        await new Promise((resolve) => refusedTls.once('close', resolve));
        assert.equal(handshaken, false, 'dropped before the handshake');
      }
      const neighbours = [probe(server.ports[name]!, NEIGHBOUR), ...(twin ? [probe(server.ports[twin]!, NEIGHBOUR, true)] : [])];
      for (const { first } of neighbours) assert.match(await first, GREETING);
      for (const { socket } of [...held, ...neighbours]) socket.destroy();
      await Promise.all(held.map(({ socket }) => closed(socket)));
      // Released once the server has seen the sockets close: the address may connect again.
      let again = '';
      for (let attempt = 0; attempt < 50 && !GREETING.test(again); attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        const retry = probe(server.ports[name]!, ATTACKER);
        again = await retry.first;
        retry.socket.destroy();
        await closed(retry.socket);
      }
      assert.match(again, GREETING);
    });
  }

  test(`https: past ${CAP} sockets from one address a new one is dropped; another address completes TLS`, async () => {
    const port = server.ports.https!;
    const held = await Promise.all(
      Array.from({ length: CAP }, async () => {
        const socket = connect({ host: '127.0.0.1', port, localAddress: ATTACKER });
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        return socket;
      }),
    );
    const refused = tlsFrom(port, ATTACKER);
    let handshaken = false;
    refused.on('secureConnect', () => (handshaken = true)).on('error', () => undefined);
    await new Promise((resolve) => refused.once('close', resolve));
    assert.equal(handshaken, false, 'dropped before the handshake');
    const neighbour = tlsFrom(port, NEIGHBOUR);
    await once(neighbour, 'secureConnect');
    neighbour.destroy();
    for (const socket of held) socket.destroy();
  });

  test('connecting faster than connectionsPerMinute is refused until the allowance refills', async () => {
    const port = server.ports.pop3!;
    const fast = '127.0.0.79';
    let refusedAt = -1;
    for (let i = 0; i < 40 && refusedAt < 0; i++) {
      const attempt = probe(port, fast);
      const first = await attempt.first;
      if (/Too many connections from your address/.test(first)) refusedAt = i;
      else assert.match(first, GREETING);
      attempt.socket.destroy();
      await closed(attempt.socket);
    }
    // 30 a minute: the burst allowance, plus what refilled while the loop ran.
    assert.ok(refusedAt >= 30 && refusedAt < 40, `refused after ${refusedAt} connections`);
    const neighbour = probe(port, NEIGHBOUR);
    assert.match(await neighbour.first, GREETING);
    neighbour.socket.destroy();
  });

  test('a connection that does not log in is closed at the login deadline, on IMAP, POP3 and submission', { timeout: 20_000 }, async () => {
    const expected: Record<string, RegExp> = { imap: /\* BYE Login timeout/, pop3: /-ERR Login timeout/, submission: /421 .*Login timeout/ };
    await Promise.all(
      Object.entries(expected).map(async ([name, farewell]) => {
        const socket = connect({ host: '127.0.0.1', port: server.ports[name]!, localAddress: '127.0.0.80' });
        socket.setEncoding('latin1');
        let received = '';
        socket.on('data', (data: string) => (received += data));
        const started = Date.now();
        await once(socket, 'close');
        assert.match(received, farewell, name);
        assert.ok(Date.now() - started >= 1400, `${name} waited for the deadline`);
      }),
    );
  });

  test('no client address is printed or stored', async () => {
    const output = server.output.join('');
    for (const address of [ATTACKER, NEIGHBOUR, '127.0.0.79', '127.0.0.80']) {
      assert.ok(!output.includes(address), `the output names ${address}`);
      assert.deepEqual(await searchBytes(dataDir, address), [], `the data directory holds ${address}`);
    }
    assert.match(output, /connection refused by the connection limits/);
  });
});
