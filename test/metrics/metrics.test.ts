// Logs and statistics for the operator: Prometheus /metrics on its own port with totals and
// no per-user label, anonymous daily totals (`sealpost stats`), and `sealpost log search`
// over the delivery log.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { keys } from '../../server/core/keys.ts';
import { runSealpost } from '../../scripts/lib/server-process.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, type: String(response.headers['content-type']), body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('metrics, statistics and the delivery log', () => {
  let service: TestService;
  const accountIds: string[] = [];

  before(async () => {
    service = await startTestService(['metrics.enabled=true', 'billing.enabled=true', 'billing.trialDays=30']);
    for (const address of ['counted@sealpost.test', 'quiet@sealpost.test']) accountIds.push((await service.createAccount(address)).accountId);
    await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('smtp-mx'),
        localAddress: '127.0.0.77',
        name: 'mx.remote.example',
        tls: { rejectUnauthorized: false },
      })
      .sendMail({ from: 'friend@remote.example', to: 'counted@sealpost.test', subject: 'hello', text: 'hello' });
  });
  after(() => service.stop());

  test('/metrics on its own port: totals, accounts per state, no per-user label', async () => {
    const port = service.port('metrics');
    assert.notEqual(port, service.port('smtp-mx'));
    const { status, type, body } = await get(port, '/metrics');
    assert.equal(status, 200);
    assert.match(type, /^text\/plain; version=0\.0\.4/);
    assert.match(body, /^# TYPE sealpost_messages_received_total counter$/m);
    assert.match(body, /^sealpost_messages_received_total 1$/m);
    assert.match(body, /^sealpost_signups_total 2$/m);
    assert.match(body, /^sealpost_accounts\{state="trial"\} 2$/m);
    assert.match(body, /^sealpost_delivery_log_days 1$/m);
    assert.match(body, /^sealpost_open_connections\{service="imap"\} \d+$/m);
    assert.match(body, /^sealpost_open_connections\{service="mx"\} \d+$/m);
    const labels = [...body.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]);
    assert.ok(
      labels.every((label) => /^(state="(trial|active|expired)"|service="(mx|submission|imap|pop3|web)")$/.test(label!)),
      labels.join(' '),
    );
    for (const secret of ['counted@', 'quiet@', '127.0.0.77', ...accountIds]) assert.ok(!body.includes(secret), secret);
    assert.equal((await get(port, '/')).status, 404);
    assert.equal((await get(port, '/metrics/../admin')).status, 404);
  });

  test('daily totals name no mailbox; `sealpost stats` prints them', async () => {
    await service.core.statistics.flush();
    for await (const [key, value] of service.store.kv.iterate({ gte: keys.dailyStatsPrefix(), lt: 'stats0' })) {
      const text = key + Buffer.from(value).toString();
      for (const id of accountIds) assert.ok(!text.includes(id));
      assert.ok(!text.includes('@'));
    }
    const stats = await runSealpost(['stats', '--data-dir', service.dataDir]);
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /^\d{4}-\d\d-\d\d +1 +0 +0 +0 +2 +0 +0$/m);
    const bad = await runSealpost(['stats', '--from', 'yesterday', '--data-dir', service.dataDir]);
    assert.match(bad.stderr, /UTC day like 2026-01-31/);
  });

  test('`sealpost log search` shows an address’s delivery log; a bad --since is refused', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const found = await runSealpost(['log', 'search', '--address', 'Counted@sealpost.test', '--since', today, '--data-dir', service.dataDir]);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}in +\d+ B {2}stored +\[127\.0\.0\.77\] {2}\(mx\)$/m);
    assert.ok(!found.stdout.includes('mx.remote.example'), "the sender's HELO name is not kept (issue 12, item 11)");
    const none = await runSealpost(['log', 'search', '--address', 'quiet@sealpost.test', '--data-dir', service.dataDir]);
    assert.match(none.stdout, /^no delivery-log entries for quiet@sealpost\.test$/m);
    const bad = await runSealpost(['log', 'search', '--address', 'counted@sealpost.test', '--since', '2026-13-45', '--data-dir', service.dataDir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /UTC day like 2026-01-31/);
  });
});
