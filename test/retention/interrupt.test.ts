// A retention run killed with SIGKILL in the middle of its work is finished by the next
// run, and the run after that has nothing left to do. The data is made by a service whose
// clock stood 60 days in the past, so the CLI processes (on the real clock) find accounts
// whose grace period is over and delivery-log days long expired: no test clock crosses a
// process boundary.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { keys } from '../../server/core/keys.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { dataDirPaths } from '../../server/data-dir.ts';
import { openLevelStore } from '../../server/store/open.ts';
import { SEALPOST_BIN, runSealpost } from '../../scripts/lib/server-process.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { startTestService } from '../helpers/service.ts';

const DAY = 86_400_000;
const ACCOUNTS = 16;
const MESSAGES_PER_ACCOUNT = 4;

describe('an interrupted retention run', () => {
  let dataDir: string;
  const doomed: { id: string; address: string; trace: string }[] = [];

  before(async () => {
    const service = await startTestService(['billing.enabled=true', 'retention.graceDaysAfterCredit=30'], undefined, {
      clock: new ManualClock(Date.now() - 60 * DAY),
    });
    dataDir = service.dataDir;
    for (let index = 0; index < ACCOUNTS; index++) {
      const address = `expired${String(index).padStart(2, '0')}@sealpost.test`;
      const { accountId } = await service.createAccount(address);
      for (let message = 0; message < MESSAGES_PER_ACCOUNT; message++) {
        await service.core.ingest.deliver({
          source: 'system',
          recipients: [{ accountId, address }],
          deliveryLog: { direction: 'in', remote: '[192.0.2.1]', status: 'stored' },
          content: (async function* () {
            yield new TextEncoder().encode(`Subject: old mail ${message}\r\n\r\n${'x'.repeat(2000)}\r\n`);
          })(),
        });
      }
      doomed.push({ id: accountId, address, trace: (await service.core.accounts.get(accountId)).encryptedPrivateKey });
    }
    await service.stop({ keepData: true });
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('SIGKILL mid-run; the next run finishes the work; the one after does nothing', async () => {
    const child = spawn(process.execPath, [SEALPOST_BIN, 'retention', 'run', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const firstOutput: string[] = [];
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for await (const line of createInterface({ input: child.stdout! })) {
      firstOutput.push(line);
      if (/: deleted \(grace period over\)/.test(line)) {
        child.kill('SIGKILL');
        break;
      }
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(!firstOutput.some((line) => line.startsWith('summary')), `the first run was cut short:\n${firstOutput.join('\n')}`);
    const deletedFirst = firstOutput.filter((line) => line.includes(': deleted')).length;
    assert.ok(deletedFirst < ACCOUNTS);

    const second = await runSealpost(['retention', 'run', '--data-dir', dataDir]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^summary:/m);
    const deletedSecond = (second.stdout.match(/: deleted \(/g) ?? []).length;
    assert.ok(deletedFirst + deletedSecond >= ACCOUNTS, `${deletedFirst} + ${deletedSecond} deletions`);

    const third = await runSealpost(['retention', 'run', '--data-dir', dataDir]);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /^nothing to do$/m);

    const store = await openLevelStore(dataDirPaths(dataDir).store);
    try {
      const core = new MailCore({
        store,
        crypto: await loadNodeCrypto(),
        limits: { messageMaxBytes: 1 << 20, mailboxQuotaBytes: 1 << 30, addressesPerMailbox: 6 },
      });
      assert.deepEqual(await core.accounts.list(), []);
      assert.deepEqual(await core.deliveryLog.days(), []);
      for await (const [key] of store.kv.iterate({ gte: keys.accountPrefix(), lt: 'acct0' })) assert.fail(`${key} survived`);
    } finally {
      await store.close();
    }
    for (const account of doomed) assert.deepEqual(await searchBytes(dataDirPaths(dataDir).store, account.trace), [], account.address);
  });
});
