// `npm run bench:smtp`: N messages (mixed 2–100 KB and a few 5 MB, or one fixed size) over
// C concurrent connections to the MX of a real `sealpost start` process. Prints accepted
// messages/s, p50/p99 latency, the server's peak RSS, and in the same run the machine's
// durable-write limit (write + fsync + rename of files of the same sizes with C writers)
// and the crypto cost per message, so the result reads as ratios on a noisy machine.
//   npm run bench:smtp -- [--messages 2000] [--connections 8] [--size 20000] [--set key=value]…
// (e.g. --set filter.authentication=false to measure the MX without SPF/DKIM/DMARC checks)
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rename, rm, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAccountKeys } from '../crypto/account-keys.ts';
import { loadNodeCrypto } from '../crypto/node.ts';
import { MailCore } from '../server/core/mail-core.ts';
import { openLevelStore } from '../server/store/open.ts';
import { startServerProcess } from './lib/server-process.ts';
import { PipeliningSmtpClient, percentile } from './lib/pipelining-smtp-client.ts';
import { EPHEMERAL_PORT_SETTINGS } from './lib/ephemeral-ports.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '8' },
    accounts: { type: 'string', default: '20' },
    size: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
  },
});
const MESSAGES = Number(values.messages);
const CONNECTIONS = Number(values.connections);
const ACCOUNTS = Number(values.accounts);
const FIXED_SIZE = values.size ? Number(values.size) : undefined;

/** Mixed sizes: mostly 2–100 KB, and one in 400 at 5 MB, as a mailbox sees. */
function messageSizes(count: number): number[] {
  return Array.from({ length: count }, (_, index) => FIXED_SIZE ?? (index % 400 === 399 ? 5_000_000 : 2_000 + ((index * 7919) % 98_000)));
}

function buildMessage(to: string, size: number): Buffer {
  const header = `From: bench@remote.example\r\nTo: ${to}\r\nSubject: bench ${randomBytes(4).toString('hex')}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog; bench text for Sealpost 0123456789.\r\n';
  const body = line.repeat(Math.max(1, Math.ceil((size - header.length) / line.length)));
  return Buffer.from(header + body.slice(0, Math.max(0, size - header.length)));
}

async function durableWriteLimit(directory: string, sizes: number[], writers: number): Promise<number> {
  await mkdir(join(directory, 'tmp'), { recursive: true });
  await mkdir(join(directory, 'final'), { recursive: true });
  const payloads = new Map<number, Buffer>();
  let next = 0;
  const started = performance.now();
  const writer = async () => {
    for (let index = next++; index < sizes.length; index = next++) {
      const size = sizes[index]!;
      let payload = payloads.get(size);
      if (!payload) {
        payload = randomBytes(size);
        payloads.set(size, payload);
      }
      const temporary = join(directory, 'tmp', String(index));
      const file = await open(temporary, 'w');
      await file.write(payload);
      await file.sync();
      await file.close();
      await rename(temporary, join(directory, 'final', String(index)));
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  const directoryHandle = await open(join(directory, 'final'), 'r');
  await directoryHandle.sync();
  await directoryHandle.close();
  return sizes.length / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sealpost-bench-'));
  const crypto = await loadNodeCrypto();
  const sizes = messageSizes(MESSAGES);
  try {
    const addresses = Array.from({ length: ACCOUNTS }, (_, index) => `bench${String(index).padStart(3, '0')}@sealpost.test`);
    {
      const store = await openLevelStore(join(dataDir, 'store'));
      const core = new MailCore({ store, crypto, limits: { messageMaxBytes: 20 << 20, mailboxQuotaBytes: 1 << 30, addressesPerMailbox: 6 } });
      await core.domains.add('sealpost.test');
      for (const address of addresses) {
        const { material } = await createAccountKeys(crypto, 'bench password', { algorithm: 'argon2id13', opsLimit: 1, memLimitBytes: 8 << 20 });
        await core.accounts.create(address, material);
      }
      await store.close();
    }
    const server = await startServerProcess(dataDir, [
      'listenAddress=127.0.0.1',
      ...EPHEMERAL_PORT_SETTINGS,
      'web.enabled=false',
      'log.level=warn',
      ...values.set,
    ]);
    const port = server.ports['smtp-mx']!;
    const messages = sizes.map((size, index) => ({ to: addresses[index % addresses.length]!, body: buildMessage(addresses[index % addresses.length]!, size) }));
    const latencies: number[] = [];
    let next = 0;
    let peakRssKiB = 0;
    const sampler = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
        peakRssKiB = Math.max(peakRssKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // the process is gone
      }
    }, 100);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        const client = new PipeliningSmtpClient();
        await client.connect(port);
        for (let index = next++; index < messages.length; index = next++) {
          const sentAt = performance.now();
          await client.send('bench@remote.example', messages[index]!.to, messages[index]!.body);
          latencies.push(performance.now() - sentAt);
        }
        client.close();
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    server.child.kill('SIGTERM');
    await server.exited;

    const cryptoStarted = performance.now();
    const publicKey = crypto.newIdentity(crypto.newMasterKey()).publicKey;
    for (const message of messages) {
      const contentKey = crypto.newContentKey();
      const encryptor = crypto.createBodyEncryptor(contentKey);
      encryptor.push(message.body);
      encryptor.final();
      crypto.sealContentKey(contentKey, publicKey);
    }
    const cryptoMsPerMessage = (performance.now() - cryptoStarted) / messages.length;

    const fileLimit = await durableWriteLimit(join(dataDir, 'fsync-baseline'), sizes, CONNECTIONS);
    const sorted = latencies.sort((a, b) => a - b);
    const rate = messages.length / seconds;
    const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
    const result = {
      messages: messages.length,
      connections: CONNECTIONS,
      sizes: FIXED_SIZE ? `${FIXED_SIZE} B each` : 'mixed 2-100 KB, 1 in 400 at 5 MB',
      megabytes: +(totalBytes / 1e6).toFixed(1),
      acceptedPerSecond: +rate.toFixed(0),
      p50Ms: +percentile(sorted, 50).toFixed(2),
      p99Ms: +percentile(sorted, 99).toFixed(2),
      serverPeakRssMiB: +(peakRssKiB / 1024).toFixed(1),
      durableFileWritesPerSecond: +fileLimit.toFixed(0),
      ratioToFileFsyncLimit: +(rate / fileLimit).toFixed(2),
      cryptoMsPerMessage: +cryptoMsPerMessage.toFixed(3),
      cryptoShareOfServerTime: +((cryptoMsPerMessage * rate) / 1000 / 2).toFixed(3),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
