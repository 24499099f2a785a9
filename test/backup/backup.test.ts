// Backups of a running service: consistent while mail arrives and is deleted, verifiable
// (and damage is found), restorable one account at a time without touching any other, or
// whole into an empty data directory; a deleted account stays in a backup taken before its
// deletion until that backup is 7 days old, and is gone from every backup after.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readLines } from '../../server/backup/files.ts';
import { BLOBS_FILE, KV_FILE, poolPath, type BlobLine, type KvLine } from '../../server/backup/format.ts';
import { keys } from '../../server/core/keys.ts';
import type { MessageRecord } from '../../server/core/records.ts';
import { runSealpost } from '../../scripts/lib/server-process.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { dumpStore } from '../helpers/store-dump.ts';

const DAY = 86_400_000;
type Account = { accountId: string; password: string; address: string };

describe('backups', () => {
  const clock = new ManualClock(Date.UTC(2026, 6, 1, 4, 0, 0));
  let service: TestService;
  let alice: Account;
  let bob: Account;
  let carol: Account;
  let firstBackup: string;

  const deliver = (account: Account, subject: string) =>
    service.core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId: account.accountId, address: account.address }],
      content: (async function* () {
        yield new TextEncoder().encode(`Subject: ${subject}\r\n\r\n${subject} ${'body '.repeat(400)}\r\n`);
      })(),
    });
  const create = async (address: string): Promise<Account> => ({ ...(await service.createAccount(address)), address });
  const subjects = async (account: Account) => {
    const mailboxKeys = await unlockByPassword(service.core, service.crypto, account.accountId, account.password);
    return (await readInbox(service.core, mailboxKeys, account.accountId)).map((message) => /^Subject: (.*)$/m.exec(message.toString('latin1'))![1]!).sort();
  };
  /** Every entry of one account, to show a restore of another left it as it was. */
  const entriesOf = async (accountId: string) => [...(await dumpStore(service.store)).entries].filter(([key]) => key.split('/')[1] === accountId);
  const firstBlobBytes = async (account: Account) => {
    const inbox = await service.core.folders.findBySpecialUse(account.accountId, '\\Inbox');
    const [record] = await service.core.messages.list(account.accountId, inbox.id);
    return Buffer.from(await service.store.blobs.readRange((record as MessageRecord).blobId, 100, 48));
  };

  before(async () => {
    service = await startTestService(['lifecycle.addressHoldDays=30'], undefined, { clock });
    alice = await create('alice@sealpost.test');
    bob = await create('bob.builder@sealpost.test');
    carol = await create('carol@sealpost.test');
    for (const account of [alice, bob, carol]) for (let index = 0; index < 5; index++) await deliver(account, `${account.address} before ${index}`);
  });
  after(() => service.stop());

  test('a backup taken while mail arrives and is deleted is consistent and verifies', async () => {
    const inbox = await service.core.folders.findBySpecialUse(bob.accountId, '\\Inbox');
    const [first] = await service.core.messages.list(bob.accountId, inbox.id);
    const creating = service.jobs.createBackup();
    const meanwhile = Promise.all([
      ...Array.from({ length: 10 }, (_, index) => deliver(bob, `bob during ${index}`)),
      service.core.mailbox.expunge(bob.accountId, inbox.id, [first!.uid]),
    ]);
    const [{ manifest }] = await Promise.all([creating, meanwhile]);
    firstBackup = manifest.id;
    const directory = service.jobs.backups.directory;
    const listed = new Set<string>();
    for await (const line of readLines<BlobLine>(join(directory, manifest.id, BLOBS_FILE))) listed.add(line.id);
    let messages = 0;
    for await (const line of readLines<KvLine>(join(directory, manifest.id, KV_FILE))) {
      assert.ok(!line.k.startsWith('dlog/') && !line.k.startsWith('paycode/'), `${line.k} must not be backed up`);
      if (!line.k.startsWith('msg/')) continue;
      messages += 1;
      const record = JSON.parse(Buffer.from(line.v, 'base64').toString()) as MessageRecord;
      assert.ok(listed.has(record.blobId), `the blob of ${line.k} is in the backup`);
    }
    // 15 were there before; the snapshot may fall after the expunge and before any of the
    // deliveries racing it, so 14 is the least a consistent backup holds.
    assert.ok(messages >= 14 && messages <= 25, `${messages} messages`);
    assert.deepEqual(await service.jobs.backups.verify(manifest.id), { id: manifest.id, ok: true, problems: [], blobsChecked: listed.size });

    const list = await runSealpost(['backup', 'list', '--data-dir', service.dataDir]);
    assert.match(list.stdout, new RegExp(`^${manifest.id} `, 'm'));
    const verify = await runSealpost(['backup', 'verify', manifest.id, '--data-dir', service.dataDir]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /intact/);
  });

  test('one account is restored as it was, and no other account is touched', async () => {
    const expected = await subjects(alice);
    await deliver(alice, 'alice after the backup');
    await deliver(bob, 'bob after the backup');
    const bobBefore = await entriesOf(bob.accountId);
    await service.core.accounts.delete(alice.accountId);
    await assert.rejects(
      service.jobs.backups.restoreAccount(firstBackup, 'bob.builder@sealpost.test', { replace: false }),
      (error: Error & { code?: string }) => error.code === 'BACKUP_CONFLICT' && /--replace/.test(error.message),
    );
    const restored = await service.jobs.backups.restoreAccount(firstBackup, 'ALICE@sealpost.test', { replace: false });
    assert.deepEqual(restored, { id: alice.accountId, address: 'alice@sealpost.test', messages: 5, blobs: 5 });
    assert.deepEqual(await subjects(alice), expected, 'her mail as it was at the backup, readable with her password');
    await deliver(alice, 'alice receives again');
    const appPassword = await service.createAppPassword(alice.accountId, alice.password);
    assert.equal((await service.core.accounts.unlockWithAppSecret('alice@sealpost.test', appPassword)).accountId, alice.accountId);
    assert.deepEqual(await entriesOf(bob.accountId), bobBefore, 'Bob’s records are byte for byte as they were');
    assert.ok((await subjects(bob)).includes('bob after the backup'));
  });

  test('--replace puts back the backup’s account in place of the current one', async () => {
    await service.jobs.backups.restoreAccount(firstBackup, 'alice@sealpost.test', { replace: true });
    assert.ok(!(await subjects(alice)).includes('alice receives again'));
  });

  test('a deleted account stays in an older backup until it is 7 days old, then leaves every backup', async () => {
    const carolBytes = await firstBlobBytes(carol);
    const directory = service.jobs.backups.directory;
    await service.core.accounts.delete(carol.accountId);
    assert.deepEqual(
      await searchBytes(service.paths.store, keys.account(carol.accountId)).then((hits) => hits.filter((hit) => !/MANIFEST|LOG/.test(hit.file))),
      [],
    );
    for (let day = 1; day <= 6; day++) {
      clock.advance(DAY);
      await service.jobs.createBackup();
      await service.jobs.scheduler.tick();
    }
    clock.advance(DAY - 60_000);
    await service.jobs.runRetention({ dryRun: false });
    assert.equal((await service.jobs.backups.list())[0]!.id, firstBackup, 'six days and 23 hours: still kept');
    assert.notDeepEqual(await searchBytes(directory, keys.account(carol.accountId)), []);
    assert.notDeepEqual(await searchBytes(directory, carolBytes), []);
    clock.advance(60_000);
    await service.jobs.scheduler.tick();
    assert.notEqual((await service.jobs.backups.list())[0]!.id, firstBackup, 'at 7 days the scheduler removed it');
    assert.deepEqual(await searchBytes(directory, keys.account(carol.accountId)), []);
    assert.deepEqual(await searchBytes(directory, carolBytes), [], 'and her blobs left the pool');
    assert.equal((await service.jobs.backups.list()).length, 6);
  });

  test('damage is found; a whole backup restores into an empty data directory', async () => {
    const [newest] = (await service.jobs.backups.list()).slice(-1);
    const elsewhere = await mkdtemp(join(tmpdir(), 'sealpost-restore-'));
    try {
      const restore = await runSealpost([
        'backup',
        'restore',
        newest!.id,
        '--data-dir',
        elsewhere,
        '--set',
        `backup.directory=${service.jobs.backups.directory}`,
      ]);
      assert.equal(restore.code, 0, restore.stderr);
      assert.match(restore.stdout, /^restored 2 accounts, \d+ records, \d+ blobs$/m);
      const listed = await runSealpost(['account', 'list', '--data-dir', elsewhere]);
      assert.match(listed.stdout, /alice@sealpost\.test .*5 messages/);
      assert.match(listed.stdout, /bob\.builder@sealpost\.test/);
      const again = await runSealpost([
        'backup',
        'restore',
        newest!.id,
        '--data-dir',
        elsewhere,
        '--set',
        `backup.directory=${service.jobs.backups.directory}`,
      ]);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /already holds accounts/);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
    const [line] = await (async () => {
      const lines: BlobLine[] = [];
      for await (const blob of readLines<BlobLine>(join(service.jobs.backups.directory, newest!.id, BLOBS_FILE))) lines.push(blob);
      return lines;
    })();
    const path = poolPath(service.jobs.backups.directory, line!.id);
    const bytes = await readFile(path);
    bytes[10] = bytes[10]! ^ 0xff;
    await writeFile(path, bytes);
    const verify = await runSealpost(['backup', 'verify', newest!.id, '--data-dir', service.dataDir]);
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, new RegExp(`DAMAGED[\\s\\S]*blob ${line!.id} is damaged`));
    await assert.rejects(
      service.jobs.backups.restoreAccount(newest!.id, 'nobody@sealpost.test', { replace: false }),
      (error: Error & { code?: string }) => error.code === 'BACKUP_NONEXISTENT',
    );
    await assert.rejects(service.jobs.backups.verify('../../etc'), (error: Error & { code?: string }) => error.code === 'BACKUP_NONEXISTENT');
  });
});
