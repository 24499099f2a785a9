// `npm run bench:header-bomb`: how much a header bomb at the MX moves everyone else's latency.
// A real `sealpost start` (sender checks on, DNS answered NXDOMAIN by a stub on loopback);
// the latency of an IMAP NOOP (over implicit TLS) and of an HTTPS GET / is sampled at rest, then while B peers
// each send a message of 1.1 million header lines (17.6 MB) at once. Prints p50/p99/max of
// both phases and their ratio, in one run, so the figure reads as a ratio on a noisy machine.
//   npm run bench:header-bomb -- [--bombs 4] [--samples 200]
import { mkdtemp, rm } from 'node:fs/promises';
import { request, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RawSmtp } from '../test/helpers/raw-smtp.ts';
import { startRecordingDnsServer } from '../test/helpers/recording-dns-server.ts';
import { ImapLoadClient } from './lib/imap-client.ts';
import { EPHEMERAL_PORT_SETTINGS } from './lib/ephemeral-ports.ts';
import { runSealpost, startServerProcess } from './lib/server-process.ts';

const { values } = parseArgs({ options: { bombs: { type: 'string', default: '4' }, samples: { type: 'string', default: '200' } } });
const BOMBS = Number(values.bombs);
const SAMPLES = Number(values.samples);
const BOMB_PEER = '127.0.0.77';
const BOMB = Buffer.from(`From: <bomb@remote.example>\r\nTo: <victim@sealpost.test>\r\n${'X-Bomb-Line: v\r\n'.repeat(1_100_000)}\r\nbody\r\n.\r\n`);

/** Round-trip time of one NOOP on a logged-out IMAPS session. */
async function noop(imap: ImapLoadClient): Promise<number> {
  const started = performance.now();
  await imap.command('NOOP');
  return performance.now() - started;
}

const agent = new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 1 });
function httpsGet(port: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(performance.now() - started));
    })
      .on('error', reject)
      .end();
  });
}

/** From its own loopback address, so that the server's output can be searched for it. */
async function sendBomb(port: number): Promise<string> {
  const client = await RawSmtp.open(port, BOMB_PEER);
  try {
    await client.reply();
    for (const command of ['EHLO bomber.example', 'MAIL FROM:<bomb@remote.example>', 'RCPT TO:<victim@sealpost.test>', 'DATA']) await client.command(command);
    client.write(BOMB);
    return await client.reply(120_000);
  } finally {
    client.close();
  }
}

function summary(samples: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

async function sample(imap: ImapLoadClient, httpsPort: number, until: () => boolean): Promise<{ imap: number[]; https: number[] }> {
  const result = { imap: [] as number[], https: [] as number[] };
  while (result.imap.length < SAMPLES || !until()) {
    result.imap.push(await noop(imap));
    result.https.push(await httpsGet(httpsPort));
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (result.imap.length > SAMPLES * 50) break;
  }
  return result;
}

const dataDir = await mkdtemp(join(tmpdir(), 'sealpost-bench-bomb-'));
const dns = await startRecordingDnsServer();
try {
  await runSealpost(
    ['account', 'create', 'victim@sealpost.test', '--data-dir', dataDir, '--set', 'passwordKdf.opsLimit=1', '--set', 'passwordKdf.memLimitBytes=8388608'],
    'a long enough password\n',
  );
  const server = await startServerProcess(dataDir, [
    'listenAddress=127.0.0.1',
    ...EPHEMERAL_PORT_SETTINGS,
    'log.level=warn',
    `filter.dnsServers=${dns.address}`,
  ]);
  try {
    const imap = new ImapLoadClient();
    await imap.connect(server.ports.imaps!);
    const rest = await sample(imap, server.ports.https!, () => true);
    let done = false;
    const bombsStarted = performance.now();
    const bombs = Promise.all(Array.from({ length: BOMBS }, () => sendBomb(server.ports['smtp-mx']!))).finally(() => (done = true));
    const attacked = await sample(imap, server.ports.https!, () => done);
    const replies = await bombs;
    const bombSeconds = (performance.now() - bombsStarted) / 1000;
    imap.close();
    const row = (name: string, quiet: number[], loud: number[]) => {
      const a = summary(quiet);
      const b = summary(loud);
      console.log(
        `${name.padEnd(10)} at rest p50 ${a.p50.toFixed(1)} / p99 ${a.p99.toFixed(1)} ms; during ${BOMBS} bombs p50 ${b.p50.toFixed(1)} / p99 ${b.p99.toFixed(1)} / max ${b.max.toFixed(1)} ms; p99 ratio ${(b.p99 / a.p99).toFixed(1)}× (${loud.length} samples)`,
      );
    };
    if (server.output.join('').includes(BOMB_PEER)) console.log(`the server's output names the bombs' address ${BOMB_PEER}`);
    console.log(`${BOMBS} bombs of ${(BOMB.length / 1e6).toFixed(1)} MB answered in ${bombSeconds.toFixed(1)} s: ${[...new Set(replies)].join(' | ')}`);
    row('IMAP NOOP', rest.imap, attacked.imap);
    row('HTTPS GET', rest.https, attacked.https);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
} finally {
  agent.destroy();
  await dns.close();
  await rm(dataDir, { recursive: true, force: true });
}
