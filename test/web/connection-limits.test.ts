// The HTTPS listener's own limits (issue 12, item 2): past web.maxConnections new sockets are
// closed at once, a socket that never completes its TLS handshake and one that completes it
// but sends no request are closed after web.firstRequestTimeoutMs, and once they are gone
// the webmail answers again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { startTestService, type TestService } from '../helpers/service.ts';

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    })
      .on('error', reject)
      .end();
  });
}

async function openTcp(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

const closed = (socket: Socket) => (socket.destroyed ? Promise.resolve() : once(socket, 'close').then(() => undefined));

describe('web listener limits', () => {
  let service: TestService;

  before(async () => {
    service = await startTestService(['web.enabled=true', 'web.maxConnections=4', 'web.firstRequestTimeoutMs=1000']);
  });
  after(() => service.stop());

  test('past maxConnections a new socket is closed; silent sockets are closed at the timeout; then it serves again', { timeout: 60_000 }, async () => {
    const port = service.port('https');
    // Two that never start TLS, two that finish the handshake and then say nothing.
    const silent = [await openTcp(port), await openTcp(port)];
    const handshaken = await Promise.all(
      [0, 1].map(async () => {
        const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
        socket.on('error', () => undefined);
        await once(socket, 'secureConnect');
        return socket as unknown as Socket;
      }),
    );
    const over = await openTcp(port);
    await closed(over);
    await Promise.all([...silent, ...handshaken].map(closed));
    assert.equal(await get(port), 200);
  });
});
