// Durability trial for docs/design.md promise 7: several SMTP connections deliver messages to
// the MX of a real `sealpost start` process, which is SIGKILLed mid-stream once N messages
// have been acknowledged (a count, not a time: a loaded machine acknowledges fewer per
// second, and the trial must mean the same there). After a restart, every message that got a
// 250 must be present and decrypt. Prints the counts.
//   npm run durability:smtp -- [--connections 8] [--kill-after 300]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import nodemailer from 'nodemailer';
import { loadNodeCrypto } from '../crypto/node.ts';
import { MailCore } from '../server/core/mail-core.ts';
import { openLevelStore } from '../server/store/open.ts';
import { readInbox, unlockByPassword } from '../test/helpers/mail.ts';
import { runSealpost, startServerProcess } from './lib/server-process.ts';
import { EPHEMERAL_PORT_SETTINGS } from './lib/ephemeral-ports.ts';

export interface DurabilityReport {
  attempted: number;
  acknowledged: number;
  presentAfterRestart: number;
  acknowledgedButMissing: number;
  storedWithoutAcknowledgement: number;
  undecryptable: number;
}

const PASSWORD = 'durability trial password';
const ADDRESS = 'durable@sealpost.test';
const CHEAP_KDF = ['passwordKdf.opsLimit=1', 'passwordKdf.memLimitBytes=8388608'];
const SERVER_SETTINGS = ['listenAddress=127.0.0.1', ...EPHEMERAL_PORT_SETTINGS, 'web.enabled=false', 'log.level=warn'];

/** `killAfterAcknowledged`: SIGKILL once this many messages got a 250 (the others are mid-transaction). */
export async function runDurabilityTrial(options: { connections: number; killAfterAcknowledged: number }): Promise<DurabilityReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sealpost-durability-'));
  try {
    const created = await runSealpost(['account', 'create', ADDRESS, '--data-dir', dataDir, ...CHEAP_KDF.flatMap((s) => ['--set', s])], `${PASSWORD}\n`);
    if (created.code !== 0) throw new Error(`account create failed: ${created.stderr}`);

    const server = await startServerProcess(dataDir, SERVER_SETTINGS);
    const port = server.ports['smtp-mx']!;
    const acknowledged = new Set<string>();
    let attempted = 0;
    let killed = false;
    let enoughAcknowledged: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => (enoughAcknowledged = resolve));
    const worker = async (workerId: number) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: 1, tls: { rejectUnauthorized: false } });
      for (let sequence = 0; !killed; sequence++) {
        const token = `w${workerId}-m${sequence}`;
        attempted += 1;
        try {
          await transport.sendMail({
            from: 'trial@remote.example',
            to: ADDRESS,
            subject: `durability ${token}`,
            text: `token:${token}\n${'x'.repeat(1000 + ((sequence * 7919) % 40_000))}`,
          });
          acknowledged.add(token);
          if (acknowledged.size >= options.killAfterAcknowledged) enoughAcknowledged();
        } catch {
          break;
        }
      }
      transport.close();
    };
    const workers = Array.from({ length: options.connections }, (_, id) => worker(id));
    // Workers that all stop early (the server failed) end the wait too; the report shows it.
    await Promise.race([enough, Promise.all(workers)]);
    killed = true;
    server.child.kill('SIGKILL');
    await server.exited;
    await Promise.all(workers);

    // A restart proves the store opens after a crash; then read back as the owner would.
    const restarted = await startServerProcess(dataDir, SERVER_SETTINGS);
    restarted.child.kill('SIGTERM');
    await restarted.exited;

    const crypto = await loadNodeCrypto();
    const store = await openLevelStore(join(dataDir, 'store'));
    try {
      const core = new MailCore({ store, crypto, limits: { messageMaxBytes: 20 << 20, mailboxQuotaBytes: 1 << 30, addressesPerMailbox: 6 } });
      const accountId = (await core.accounts.findIdByAddress(ADDRESS))!;
      const keys = await unlockByPassword(core, crypto, accountId, PASSWORD);
      const present = new Set<string>();
      let undecryptable = 0;
      try {
        for (const body of await readInbox(core, keys, accountId)) {
          const token = /token:(w\d+-m\d+)/.exec(body.toString('utf8'))?.[1];
          if (token) present.add(token);
          else undecryptable += 1;
        }
      } catch {
        undecryptable += 1;
      }
      return {
        attempted,
        acknowledged: acknowledged.size,
        presentAfterRestart: present.size,
        acknowledgedButMissing: [...acknowledged].filter((token) => !present.has(token)).length,
        storedWithoutAcknowledgement: [...present].filter((token) => !acknowledged.has(token)).length,
        undecryptable,
      };
    } finally {
      await store.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const { values } = parseArgs({ options: { connections: { type: 'string', default: '8' }, 'kill-after': { type: 'string', default: '300' } } });
  const report = await runDurabilityTrial({ connections: Number(values.connections), killAfterAcknowledged: Number(values['kill-after']) });
  console.log(JSON.stringify(report, null, 2));
  if (report.acknowledgedButMissing > 0 || report.undecryptable > 0) process.exitCode = 1;
}
