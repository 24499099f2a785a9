// `npm run bench:imap`: a mixed IMAP workload of C concurrent clients against a real
// `sealpost start` process, and in the same run against Dovecot from Debian, plain and with
// its mail_crypt plugin, for side-by-side ratios on this (shared, noisy) machine.
//
// Each client owns a mailbox seeded with M realistic messages (scripts/lib/sample-mail.ts).
// One cycle is LIST, STATUS, SELECT, FETCH of the newest 20 envelopes, FETCH of one whole
// message, STORE of a flag, APPEND, SEARCH, STORE \Deleted and UID EXPUNGE of the appended
// message (so the mailbox keeps its size). Profile "login" adds connect + TLS + LOGIN and
// LOGOUT to every cycle; profile "session" keeps one session per client. Printed: operations
// per second per command and in total, server CPU per operation (from /proc of the server's
// whole process tree), and memory per idle connection (PSS of the tree, with N sessions
// logged in, INBOX selected, in IDLE).
//   npm run bench:imap -- [--clients 16] [--messages 200] [--seconds 15] [--idle 1000] [--servers sealpost,dovecot,dovecot-crypt]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAccountKeys, createSecretSlot, unlockWithPassword } from '../crypto/account-keys.ts';
import { loadNodeCrypto } from '../crypto/node.ts';
import { MailCore } from '../server/core/mail-core.ts';
import { openLevelStore } from '../server/store/open.ts';
import { dovecotUnavailable, startDovecot } from './lib/dovecot.ts';
import { EPHEMERAL_PORT_SETTINGS } from './lib/ephemeral-ports.ts';
import { ImapLoadClient, imapQuote } from './lib/imap-client.ts';
import { treeCpuSeconds, treePssKiB } from './lib/process-stats.ts';
import { sampleMessage } from './lib/sample-mail.ts';
import { startServerProcess } from './lib/server-process.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '16' },
    messages: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
    idle: { type: 'string', default: '1000' },
    servers: { type: 'string', default: 'sealpost,dovecot,dovecot-crypt' },
  },
});
const CLIENTS = Number(values.clients);
const MESSAGES = Number(values.messages);
const SECONDS = Number(values.seconds);
const IDLE = Number(values.idle);
const SERVERS = values.servers!.split(',');
/** Envelopes a client fetches per cycle: a screenful of a message list. */
const ENVELOPES = 20;
/** Sessions opened at once while filling the idle connections. */
const OPEN_CONCURRENCY = 50;

interface User {
  address: string;
  secret: string;
}

interface Target {
  name: string;
  port: number;
  pid: number;
  /** Restarts the server on the same data, so that idle memory is measured without what
   * the load profiles left in a garbage-collected heap. */
  restart?(): Promise<void>;
  stop(): Promise<void>;
}

interface ProfileResult {
  opsPerSecond: Record<string, number>;
  total: number;
  cpuMsPerOp: number;
  errors: number;
}

const COMMANDS = ['LOGIN', 'LIST', 'STATUS', 'SELECT', 'FETCH envelopes', 'FETCH body', 'STORE', 'APPEND', 'SEARCH', 'EXPUNGE', 'LOGOUT'];

function users(prefix: string): User[] {
  return Array.from({ length: CLIENTS }, (_, i) => ({ address: `bench${prefix}${String(i).padStart(3, '0')}@sealpost.test`, secret: '' }));
}

async function startSealpostTarget(): Promise<{ target: Target; users: User[]; cert: string; key: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sealpost-bench-imap-'));
  const crypto = await loadNodeCrypto();
  const list = users('s');
  {
    const store = await openLevelStore(join(dataDir, 'store'));
    const core = new MailCore({ store, crypto, limits: { messageMaxBytes: 20 << 20, mailboxQuotaBytes: 1 << 30, addressesPerMailbox: 6 } });
    await core.domains.add('sealpost.test');
    const kdf = { algorithm: 'argon2id13' as const, opsLimit: 1, memLimitBytes: 8 << 20 };
    for (const user of list) {
      const { material } = await createAccountKeys(crypto, 'bench password', kdf);
      const account = await core.accounts.create(user.address, material);
      const keys = await unlockWithPassword(crypto, 'bench password', material);
      user.secret = crypto.newAppPassword();
      await core.accounts.addAppPassword(account.id, 'bench', createSecretSlot(crypto, keys.masterKey, user.secret, 'app-password'));
    }
    await store.close();
  }
  const settings = [
    'listenAddress=127.0.0.1',
    ...EPHEMERAL_PORT_SETTINGS,
    'web.enabled=false',
    'pop3.enabled=false',
    'log.level=warn',
    'billing.enabled=false',
    `imap.limits.maxConnectionsPerAccount=${IDLE + CLIENTS}`,
  ];
  let server = await startServerProcess(dataDir, settings);
  const target: Target = {
    name: 'sealpost',
    port: server.ports.imaps!,
    pid: server.child.pid!,
    async restart() {
      server.child.kill('SIGTERM');
      await server.exited;
      server = await startServerProcess(dataDir, settings);
      target.port = server.ports.imaps!;
      target.pid = server.child.pid!;
    },
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return {
    target,
    users: list,
    cert: join(dataDir, 'tls', 'cert.pem'),
    key: join(dataDir, 'tls', 'key.pem'),
  };
}

async function session(port: number, user: User): Promise<ImapLoadClient> {
  const client = new ImapLoadClient();
  await client.connect(port);
  await client.command(`LOGIN ${imapQuote(user.address)} ${imapQuote(user.secret)}`);
  return client;
}

async function seed(target: Target, list: User[]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    list.map(async (user, index) => {
      const client = await session(target.port, user);
      for (let i = 0; i < MESSAGES; i++) await client.append('INBOX', sampleMessage(index, i, user.address).bytes, i % 3 === 0 ? '\\Seen' : '');
      await client.command('LOGOUT');
      client.close();
    }),
  );
  return (list.length * MESSAGES) / ((performance.now() - started) / 1000);
}

async function runProfile(target: Target, list: User[], profile: 'login' | 'session'): Promise<ProfileResult> {
  const counts = new Map<string, number>(COMMANDS.map((name) => [name, 0]));
  let errors = 0;
  let running = true;
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const result = await work();
    if (running) counts.set(name, counts.get(name)! + 1);
    return result;
  };
  const cpuBefore = treeCpuSeconds(target.pid);
  const started = performance.now();
  const stopAt = started + SECONDS * 1000;
  await Promise.all(
    list.map(async (user, index) => {
      let cycle = 0;
      let client: ImapLoadClient | undefined;
      while (performance.now() < stopAt) {
        try {
          if (!client) client = await timed('LOGIN', () => session(target.port, user));
          const c = client;
          await timed('LIST', () => c.command('LIST "" "*"'));
          await timed('STATUS', () => c.command('STATUS INBOX (MESSAGES UNSEEN UIDNEXT)'));
          await timed('SELECT', () => c.command('SELECT INBOX'));
          await timed('FETCH envelopes', () => c.command(`UID FETCH ${MESSAGES - ENVELOPES + 1}:${MESSAGES} (UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE)`));
          const uid = 1 + ((cycle * 7919 + index * 31) % MESSAGES);
          await timed('FETCH body', () => c.command(`UID FETCH ${uid} (BODY.PEEK[])`));
          await timed('STORE', () => c.command(`UID STORE ${uid} ${cycle % 2 === 0 ? '+' : '-'}FLAGS (\\Flagged)`));
          const appended = await timed('APPEND', () => c.append('INBOX', sampleMessage(index + 1000, cycle, user.address).bytes));
          const newUid = Number(/APPENDUID \d+ (\d+)/.exec(appended)![1]);
          await timed('SEARCH', () => c.command('UID SEARCH UNSEEN SUBJECT "report"'));
          await timed('STORE', () => c.command(`UID STORE ${newUid} +FLAGS.SILENT (\\Deleted)`));
          await timed('EXPUNGE', () => c.command(`UID EXPUNGE ${newUid}`));
          if (profile === 'login') {
            await timed('LOGOUT', () => c.command('LOGOUT'));
            c.close();
            client = undefined;
          }
        } catch (error) {
          errors += 1;
          if (errors <= 3) console.error(`  ${target.name} ${profile}: ${(error as Error).message}`);
          client?.close();
          client = undefined;
        }
        cycle += 1;
      }
      if (client) {
        await client.command('LOGOUT').catch(() => undefined);
        client.close();
      }
    }),
  );
  running = false;
  const seconds = (performance.now() - started) / 1000;
  const cpu = treeCpuSeconds(target.pid) - cpuBefore;
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const opsPerSecond: Record<string, number> = {};
  for (const [name, count] of counts) if (count > 0) opsPerSecond[name] = Math.round(count / seconds);
  return { opsPerSecond, total: Math.round(total / seconds), cpuMsPerOp: +((cpu * 1000) / total).toFixed(3), errors };
}

/** PSS per idle session (logged in, INBOX selected, in IDLE): growth of the server's tree
 * from none to all sessions, and the slope between half and all (less sensitive to what a
 * garbage collection freed meanwhile). */
async function idleMemory(target: Target, list: User[]): Promise<{ perConnectionKiB: number; slopeKiB: number; baselineMiB: number }> {
  const clients: ImapLoadClient[] = [];
  const open = async (count: number) => {
    let next = clients.length;
    const end = clients.length + count;
    await Promise.all(
      Array.from({ length: OPEN_CONCURRENCY }, async () => {
        for (let i = next++; i < end; i = next++) {
          const client = await session(target.port, list[i % list.length]!);
          await client.command('SELECT INBOX');
          await client.idle();
          clients.push(client);
        }
      }),
    );
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));
  await target.restart?.();
  await settle();
  const baseline = treePssKiB(target.pid);
  await open(IDLE / 2);
  await settle();
  const half = treePssKiB(target.pid);
  await open(IDLE / 2);
  await settle();
  const full = treePssKiB(target.pid);
  for (const client of clients) client.close();
  return {
    perConnectionKiB: Math.round((full - baseline) / IDLE),
    slopeKiB: Math.round((full - half) / (IDLE / 2)),
    baselineMiB: Math.round(baseline / 1024),
  };
}

async function main(): Promise<void> {
  const results: Record<string, { seedPerSecond: number; login: ProfileResult; session: ProfileResult; idle: Awaited<ReturnType<typeof idleMemory>> }> = {};
  console.log(`IMAP benchmark: ${CLIENTS} clients, ${MESSAGES} messages per mailbox, ${SECONDS} s per profile, ${IDLE} idle sessions`);
  const sealpost = await startSealpostTarget();
  const dovecotProblem = SERVERS.some((name) => name.startsWith('dovecot')) ? await dovecotUnavailable() : undefined;
  if (dovecotProblem) console.log(`Dovecot skipped: ${dovecotProblem}`);
  try {
    for (const name of SERVERS) {
      let target: Target;
      let list: User[];
      if (name === 'sealpost') {
        target = sealpost.target;
        list = sealpost.users;
      } else {
        if (dovecotProblem) continue;
        list = users(name === 'dovecot' ? 'd' : 'c').map((user) => ({ ...user, secret: randomBytes(18).toString('base64url') }));
        const dovecot = await startDovecot({
          users: list.map((user) => ({ address: user.address, password: user.secret })),
          crypt: name === 'dovecot-crypt',
          cert: sealpost.cert,
          key: sealpost.key,
        });
        target = { name, port: dovecot.port, pid: dovecot.pid, stop: () => dovecot.stop() };
      }
      try {
        console.log(`\n== ${name}`);
        const seedPerSecond = Math.round(await seed(target, list));
        console.log(`  seeded ${list.length * MESSAGES} messages at ${seedPerSecond}/s`);
        const login = await runProfile(target, list, 'login');
        console.log(`  login per cycle: ${login.total} ops/s, ${login.cpuMsPerOp} ms CPU/op ${JSON.stringify(login.opsPerSecond)}`);
        const long = await runProfile(target, list, 'session');
        console.log(`  long sessions:   ${long.total} ops/s, ${long.cpuMsPerOp} ms CPU/op ${JSON.stringify(long.opsPerSecond)}`);
        const idle = await idleMemory(target, list);
        console.log(`  idle session: ${idle.perConnectionKiB} KiB PSS each (slope ${idle.slopeKiB} KiB; server at ${idle.baselineMiB} MiB before)`);
        results[name] = { seedPerSecond, login, session: long, idle };
      } finally {
        if (name !== 'sealpost') await target.stop();
      }
    }
  } finally {
    await sealpost.target.stop();
  }
  console.log('\n| server | login/cycle ops/s | CPU ms/op | long session ops/s | CPU ms/op | idle KiB/conn |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.login.total} | ${r.login.cpuMsPerOp} | ${r.session.total} | ${r.session.cpuMsPerOp} | ${r.idle.perConnectionKiB} |`);
  }
  const ours = results.sealpost;
  if (ours) {
    for (const other of ['dovecot', 'dovecot-crypt']) {
      const theirs = results[other];
      if (!theirs) continue;
      console.log(
        `sealpost / ${other}: login ${(ours.login.total / theirs.login.total).toFixed(2)}x, session ${(ours.session.total / theirs.session.total).toFixed(2)}x, ` +
          `CPU/op ${(ours.session.cpuMsPerOp / theirs.session.cpuMsPerOp).toFixed(2)}x, idle memory ${(ours.idle.perConnectionKiB / theirs.idle.perConnectionKiB).toFixed(2)}x`,
      );
    }
  }
  console.log(JSON.stringify(results));
}

await main();
