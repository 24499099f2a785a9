// Stopping the server while a delivery hangs on a slow remote: the stop is prompt, nothing is
// recorded for the interrupted attempt, and after the restart the message goes out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startRemoteMx } from '../helpers/remote-mx.ts';
import { startTestService } from '../helpers/service.ts';

test('a stop during a stalled delivery is prompt and the message is delivered after the restart', async () => {
  const stalling = await startRemoteMx({ dataDelayMs: 60_000 });
  const accepting = await startRemoteMx();
  let service = await startTestService(['billing.enabled=false', `outbound.staticRoutes=example.org=127.0.0.1:${stalling.port}`]);
  try {
    const alice = await service.createAccount('alice@sealpost.test');
    const appPassword = await service.createAppPassword(alice.accountId, alice.password);
    await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('submissions'),
        secure: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'alice@sealpost.test', pass: appPassword },
      })
      .sendMail({ from: 'alice@sealpost.test', to: 'carol@example.org', subject: 'interrupted', text: 'x' });
    while (stalling.connections === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await service.outbound!.list())[0]?.delivering, true);

    const started = performance.now();
    await service.stop({ keepData: true });
    assert.ok(performance.now() - started < 5000, `stopped in ${Math.round(performance.now() - started)} ms`);

    service = await startTestService(['billing.enabled=false', `outbound.staticRoutes=example.org=127.0.0.1:${accepting.port}`], service.dataDir);
    await service.outbound!.settled();
    assert.equal(accepting.received.length, 1);
    assert.match(accepting.received[0]!.raw.toString(), /Subject: interrupted/);
    assert.deepEqual(await service.outbound!.list(), []);
    const statuses = (await service.core.deliveryLog.search({ address: 'alice@sealpost.test' })).map((entry) => entry.status.split(':')[0]);
    assert.deepEqual(statuses, ['delivered (TLS)'], 'the interrupted attempt left no outcome');
  } finally {
    await service.stop();
    await stalling.close();
    await accepting.close();
  }
});
