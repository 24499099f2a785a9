// `npm run bench:send`: outbound mail through a real `sealpost start` process. C concurrent
// clients submit N messages (implicit TLS, AUTH PLAIN once per connection, pipelined
// envelope) from A accounts to a remote domain routed to a local sink (an SMTP server in
// this process that offers STARTTLS, as real MX hosts do). Two phases of N messages each:
//   - live: delivery runs while clients submit. Submission messages/s until the last 250
//     and p50/p99 of MAIL→250; delivery messages/s from the first 250 to the last arrival,
//     and p50/p99 of each message's 250→arrival (queue, MX connection, STARTTLS, DATA);
//   - backlog: the sink holds its greeting until all N are acknowledged, then the queue
//     drains: messages/s from the release to the last arrival (delivery alone).
// Also the server's peak RSS.
//   npm run bench:send -- [--messages 2000] [--concurrency 8] [--size 5000] [--accounts 20]
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { generate } from 'selfsigned';
import { createAccountKeys, createSecretSlot, unlockWithPassword } from '../crypto/account-keys.ts';
import { loadNodeCrypto } from '../crypto/node.ts';
import { MailCore } from '../server/core/mail-core.ts';
import { openLevelStore } from '../server/store/open.ts';
import { EPHEMERAL_PORT_SETTINGS } from './lib/ephemeral-ports.ts';
import { startServerProcess } from './lib/server-process.ts';
import { PipeliningSmtpClient, percentile } from './lib/pipelining-smtp-client.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    size: { type: 'string', default: '5000' },
    accounts: { type: 'string', default: '20' },
  },
});
const MESSAGES = Number(values.messages);
const CONCURRENCY = Number(values.concurrency);
const SIZE = Number(values.size);
const ACCOUNTS = Number(values.accounts);
/** Give up waiting for deliveries after this long without progress. */
const STALL_MS = 60_000;

function buildMessage(from: string, index: number): Buffer {
  const header =
    `From: <${from}>\r\nTo: <reader${index % 50}@sink.example>\r\nSubject: bench ${index}\r\n` +
    `Message-ID: <bench-${index}@sealpost.test>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog; outbound bench text 0123456789.\r\n';
  return Buffer.from(header + line.repeat(Math.max(1, Math.ceil((SIZE - header.length) / line.length))));
}

interface Sink {
  port: number;
  /** New connections wait for their greeting until release(). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

async function startSink(onMessage: (messageId: string) => void): Promise<Sink> {
  let held: (() => void)[] | null = null;
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
  const sink = new SMTPServer({
    key: pems.private,
    cert: pems.cert,
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    size: 50 << 20,
    onConnect(_session, callback) {
      if (held) held.push(() => callback());
      else callback();
    },
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        onMessage(/^Message-ID: (<[^>]+>)/im.exec(head)?.[1] ?? '');
        callback(null, 'Ok');
      });
    },
  });
  sink.on('error', () => undefined);
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return {
    port: (sink.server.address() as { port: number }).port,
    hold: () => {
      held = [];
    },
    release: () => {
      for (const greet of held ?? []) greet();
      held = null;
    },
    close: () => new Promise<void>((resolve) => sink.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sealpost-bench-send-'));
  const crypto = await loadNodeCrypto();
  const senders: { address: string; secret: string }[] = [];
  {
    const store = await openLevelStore(join(dataDir, 'store'));
    const core = new MailCore({ store, crypto, limits: { messageMaxBytes: 20 << 20, mailboxQuotaBytes: 1 << 30, addressesPerMailbox: 6 } });
    await core.domains.add('sealpost.test');
    const kdf = { algorithm: 'argon2id13' as const, opsLimit: 1, memLimitBytes: 8 << 20 };
    for (let index = 0; index < ACCOUNTS; index++) {
      const address = `sender${String(index).padStart(3, '0')}@sealpost.test`;
      const { material } = await createAccountKeys(crypto, 'bench password', kdf);
      const account = await core.accounts.create(address, material);
      const keys = await unlockWithPassword(crypto, 'bench password', material);
      const secret = crypto.newAppPassword();
      await core.accounts.addAppPassword(account.id, 'bench', createSecretSlot(crypto, keys.masterKey, secret, 'app-password'));
      senders.push({ address, secret });
    }
    await store.close();
  }

  const acknowledgedAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  let lastProgress = performance.now();
  let onArrival: (messageId: string) => void = () => undefined;
  const sink = await startSink((messageId) => {
    const now = performance.now();
    lastProgress = now;
    if (arrivedAt.has(messageId)) return;
    arrivedAt.set(messageId, now);
    onArrival(messageId);
  });

  const server = await startServerProcess(dataDir, [
    'listenAddress=127.0.0.1',
    ...EPHEMERAL_PORT_SETTINGS,
    'web.enabled=false',
    'log.level=warn',
    'billing.enabled=false',
    `outbound.staticRoutes=*=127.0.0.1:${sink.port}`,
    `limits.sendMessagesPerHour=${2 * MESSAGES}`,
    `limits.sendRecipientsPerDay=${2 * MESSAGES}`,
  ]);
  let peakRssKiB = 0;
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
      peakRssKiB = Math.max(peakRssKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // the process is gone
    }
  }, 100);

  /** Submits messages [first, first + N) over C connections; resolves when all are
   * acknowledged and arrived (or delivery stalled), with what was measured. */
  const runPhase = async (first: number, beforeRelease?: () => void) => {
    const ids = Array.from({ length: MESSAGES }, (_, offset) => `<bench-${first + offset}@sealpost.test>`);
    let watchdog: NodeJS.Timeout | undefined;
    const allArrived = new Promise<void>((resolve) => {
      const waiting = new Set(ids);
      onArrival = (messageId) => {
        waiting.delete(messageId);
        if (waiting.size === 0) resolve();
      };
      watchdog = setInterval(() => performance.now() - lastProgress > STALL_MS && resolve(), 1000);
    }).finally(() => clearInterval(watchdog));
    const submitLatencies: number[] = [];
    let next = first;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        const sender = senders[worker % senders.length]!;
        const client = new PipeliningSmtpClient();
        await client.connect(server.ports.submissions!, { user: sender.address, secret: sender.secret });
        for (let index = next++; index < first + MESSAGES; index = next++) {
          const sentAt = performance.now();
          await client.send(sender.address, `reader${index % 50}@sink.example`, buildMessage(sender.address, index));
          const now = performance.now();
          submitLatencies.push(now - sentAt);
          acknowledgedAt.set(`<bench-${index}@sealpost.test>`, now);
          lastProgress = now;
        }
        client.close();
      }),
    );
    const acknowledged = performance.now();
    beforeRelease?.();
    const released = performance.now();
    await allArrived;
    const arrivals = ids.filter((id) => arrivedAt.has(id));
    const lastArrival = Math.max(...arrivals.map((id) => arrivedAt.get(id)!));
    const firstAck = Math.min(...ids.map((id) => acknowledgedAt.get(id)!));
    return {
      submitSeconds: (acknowledged - started) / 1000,
      submitLatencies: submitLatencies.sort((a, b) => a - b),
      deliveryLatencies: arrivals.map((id) => arrivedAt.get(id)! - acknowledgedAt.get(id)!).sort((a, b) => a - b),
      delivered: arrivals.length,
      firstAck,
      released,
      lastArrival,
    };
  };

  const live = await runPhase(0);
  sink.hold();
  const backlog = await runPhase(MESSAGES, () => sink.release());
  clearInterval(sampler);
  server.child.kill('SIGTERM');
  await server.exited;
  await sink.close();
  await rm(dataDir, { recursive: true, force: true });

  console.log(
    JSON.stringify(
      {
        messages: MESSAGES,
        concurrency: CONCURRENCY,
        accounts: ACCOUNTS,
        messageBytes: buildMessage(senders[0]!.address, 0).length,
        live: {
          submittedPerSecond: +(MESSAGES / live.submitSeconds).toFixed(0),
          submitP50Ms: +percentile(live.submitLatencies, 50).toFixed(2),
          submitP99Ms: +percentile(live.submitLatencies, 99).toFixed(2),
          delivered: live.delivered,
          deliveredPerSecond: +(live.delivered / ((live.lastArrival - live.firstAck) / 1000)).toFixed(0),
          ackToArrivalP50Ms: +percentile(live.deliveryLatencies, 50).toFixed(2),
          ackToArrivalP99Ms: +percentile(live.deliveryLatencies, 99).toFixed(2),
        },
        backlog: {
          submittedPerSecond: +(MESSAGES / backlog.submitSeconds).toFixed(0),
          submitP50Ms: +percentile(backlog.submitLatencies, 50).toFixed(2),
          submitP99Ms: +percentile(backlog.submitLatencies, 99).toFixed(2),
          delivered: backlog.delivered,
          drainedPerSecond: +(backlog.delivered / ((backlog.lastArrival - backlog.released) / 1000)).toFixed(0),
        },
        serverPeakRssMiB: +(peakRssKiB / 1024).toFixed(1),
      },
      null,
      2,
    ),
  );
  if (live.delivered < MESSAGES || backlog.delivered < MESSAGES) process.exitCode = 1;
}

await main();
