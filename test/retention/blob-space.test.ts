// The retention run gives the space of deleted messages back: after an account's mail is
// deleted, its ciphertext still fills blob-log segments until the run compacts them. A dry
// run leaves the files alone, and a run with nothing dead frees nothing.
import assert from 'node:assert/strict';
import { readdir, rm, stat, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createAccountKeys } from '../../crypto/account-keys.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { runRetention, type RetentionReport } from '../../server/jobs/retention.ts';
import { openLevelStore } from '../../server/store/open.ts';
import { TEST_KDF } from '../helpers/service.ts';

/** Small segments, so 40 messages of 20 KB fill a dozen of them. */
const SEGMENT_BYTES = 64 * 1024;
const SETTINGS = { deliveryLogDays: 7, junkDays: 30, trashDays: 30 };

async function directoryBytes(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const blobSpace = (report: RetentionReport) => report.steps.find((step) => step.name === 'blob-space')!;

test('deleted mail stops taking disk space at the next retention run', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sealpost-blob-space-'));
  const store = await openLevelStore(dataDir, { blobSegmentBytes: SEGMENT_BYTES });
  try {
    const crypto = await loadNodeCrypto();
    const core = new MailCore({ store, crypto, limits: { messageMaxBytes: 1 << 20, mailboxQuotaBytes: 1 << 30, addressesPerMailbox: 6 } });
    const { material } = await createAccountKeys(crypto, 'correct horse battery staple', TEST_KDF);
    await core.domains.add('sealpost.test');
    const leaver = await core.accounts.create('leaver@sealpost.test', material);
    for (let index = 0; index < 40; index++) {
      const message = Buffer.from(`From: a@remote.example\r\nSubject: ${index}\r\n\r\n${randomBytes(10_000).toString('hex')}\r\n`);
      await core.ingest.deliver({
        source: 'system',
        recipients: [{ accountId: leaver.id, address: 'leaver@sealpost.test' }],
        content: (async function* () {
          yield message;
        })(),
      });
    }
    const blobLog = join(dataDir, 'blob-log');
    const full = await directoryBytes(blobLog);
    assert.ok(full > 800_000, `the messages are on disk (${full} bytes)`);
    await core.accounts.delete(leaver.id);

    const segments = () => readdir(join(blobLog, 'segments'));
    const before = await segments();
    const dry = await runRetention(core, null, SETTINGS, { dryRun: true });
    assert.equal(blobSpace(dry).count, 0);
    assert.deepEqual(await segments(), before, 'a dry run removes no segment');

    const report = await runRetention(core, null, SETTINGS, { dryRun: false });
    assert.ok(blobSpace(report).count >= 1, JSON.stringify(blobSpace(report)));
    assert.match(blobSpace(report).lines[0]!, /^\d+ bytes freed, \d+ live blobs? moved$/);
    const after = await directoryBytes(blobLog);
    assert.ok(after < full / 4, `from ${full} to ${after} bytes`);

    const again = await runRetention(core, null, SETTINGS, { dryRun: false });
    assert.equal(blobSpace(again).count, 0);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
