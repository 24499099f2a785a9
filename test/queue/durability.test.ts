// Promise 7 for the outbound queue: a `sealpost start` process is SIGKILLed while it is
// delivering submitted mail to a remote MX; after a restart every message acknowledged
// with 250 reaches every recipient. Delivery is at-least-once (docs/operations.md): a
// message whose remote 250 came in just before the kill, but whose outcome was not yet
// recorded, is sent again, byte-identical with the same Message-ID.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { EPHEMERAL_PORT_SETTINGS } from '../../scripts/lib/ephemeral-ports.ts';
import { runSealpost, startServerProcess } from '../../scripts/lib/server-process.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';

const PASSWORD = 'durability trial password';
const MESSAGES = 24;
const RECIPIENTS = ['one@example.org', 'two@example.org'];

let dataDir: string;
let sink: RemoteMx;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sealpost-queue-durability-'));
  // Slow enough that deliveries are in flight when the kill comes.
  sink = await startRemoteMx({ dataDelayMs: 150 });
});
after(async () => {
  await sink.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('a queue killed with SIGKILL mid-delivery delivers every acknowledged message to every recipient after restart', async (t) => {
  const common = ['billing.enabled=false', 'passwordKdf.opsLimit=1', 'passwordKdf.memLimitBytes=8388608'];
  const set = (settings: string[]) => settings.flatMap((setting) => ['--set', setting]);
  assert.equal((await runSealpost(['account', 'create', 'sender@sealpost.test', '--data-dir', dataDir, ...set(common)], `${PASSWORD}\n`)).code, 0);
  const created = await runSealpost(
    ['account', 'app-password', 'sender@sealpost.test', '--label', 'trial', '--data-dir', dataDir, ...set(common)],
    `${PASSWORD}\n`,
  );
  const appPassword = /: ([a-z0-9-]{34})\n/.exec(created.stdout)?.[1];
  assert.ok(appPassword, created.stdout + created.stderr);

  const settings = [
    'listenAddress=127.0.0.1',
    ...EPHEMERAL_PORT_SETTINGS,
    'web.enabled=false',
    'log.level=warn',
    `outbound.staticRoutes=example.org=127.0.0.1:${sink.port}`,
    'outbound.connectionsPerDomain=2',
    ...common,
  ];
  const server = await startServerProcess(dataDir, settings);
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.ports.submissions!,
    secure: true,
    pool: true,
    maxConnections: 4,
    tls: { rejectUnauthorized: false },
    auth: { user: 'sender@sealpost.test', pass: appPassword },
  });
  const acknowledged: string[] = [];
  await Promise.all(
    Array.from({ length: MESSAGES }, async (_, index) => {
      const messageId = `<trial-${index}@sealpost.test>`;
      await transport.sendMail({ from: 'sender@sealpost.test', to: RECIPIENTS, subject: `trial ${index}`, messageId, text: `message ${index}\n`.repeat(200) });
      acknowledged.push(messageId);
    }),
  );
  transport.close();
  assert.equal(acknowledged.length, MESSAGES);

  while (sink.received.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
  server.child.kill('SIGKILL');
  await server.exited;
  const beforeRestart = sink.received.length;
  assert.ok(beforeRestart < MESSAGES, `killed mid-delivery (${beforeRestart} of ${MESSAGES} delivered)`);

  const restarted = await startServerProcess(dataDir, settings);
  try {
    const copies = () => {
      const count = new Map<string, number>();
      for (const message of sink.received) {
        const id = /^Message-ID: (<[^>]+>)/im.exec(message.raw.toString())?.[1] ?? '';
        for (const recipient of message.to) count.set(`${id} ${recipient}`, (count.get(`${id} ${recipient}`) ?? 0) + 1);
      }
      return count;
    };
    const deadline = Date.now() + 30_000;
    const missing = () => acknowledged.flatMap((id) => RECIPIENTS.map((recipient) => `${id} ${recipient}`)).filter((key) => !copies().has(key));
    while (missing().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(missing(), [], 'every acknowledged message reached every recipient');

    const duplicates = [...copies().values()].filter((count) => count > 1).length;
    // At most the transactions in flight at the kill (2 connections) can be repeated.
    assert.ok(duplicates <= 2 * RECIPIENTS.length, `${duplicates} duplicate deliveries`);
    t.diagnostic(`${beforeRestart} of ${MESSAGES} messages delivered before the kill; ${duplicates} recipient copies delivered twice`);
    const byId = new Map<string, Buffer>();
    for (const message of sink.received) {
      const id = /^Message-ID: (<[^>]+>)/im.exec(message.raw.toString())![1]!;
      const earlier = byId.get(id);
      if (earlier) assert.deepEqual(message.raw, earlier, `a repeated delivery of ${id} is byte-identical`);
      byId.set(id, message.raw);
    }
    const deadlineEmpty = Date.now() + 10_000;
    let listed = '';
    while (Date.now() < deadlineEmpty) {
      listed = (await runSealpost(['queue', 'list', '--data-dir', dataDir])).stdout.trim();
      if (listed === 'the queue is empty') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(listed, 'the queue is empty');
  } finally {
    restarted.child.kill('SIGTERM');
    await restarted.exited;
  }
});
