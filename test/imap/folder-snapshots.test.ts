// The process-wide folder snapshots SELECT reads must always equal what the store holds:
// after flag changes, expunges, deliveries and copies, and while changes race with a read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccountKeys } from '../../crypto/account-keys.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { FolderSnapshots } from '../../server/imap/folder-snapshots.ts';
import { openMemoryStore } from '../../server/store/open.ts';
import { TEST_KDF } from '../helpers/service.ts';

test('folder snapshots follow every change and equal a fresh read of the store', async () => {
  const crypto = await loadNodeCrypto();
  const core = new MailCore({ store: openMemoryStore(), crypto, limits: { messageMaxBytes: 100_000, mailboxQuotaBytes: 10_000_000, addressesPerMailbox: 6 } });
  await core.domains.add('sealpost.test');
  const { material } = await createAccountKeys(crypto, 'snapshot password', TEST_KDF);
  const accountId = (await core.accounts.create('snapshots@sealpost.test', material)).id;
  const inbox = await core.folders.findBySpecialUse(accountId, '\\Inbox');
  const archive = await core.folders.findBySpecialUse(accountId, '\\Archive');
  const deliver = (i: number) =>
    core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address: 'snapshots@sealpost.test' }],
      content: (async function* () {
        yield Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`);
      })(),
    });
  const snapshots = new FolderSnapshots(core);
  const expected = async (folderId: string) =>
    (await core.messages.list(accountId, folderId)).map(({ uid, flags, modSeq, size, internalDate }) => ({ uid, flags, modSeq, size, internalDate }));
  const current = async (folderId: string) => [...(await snapshots.entries(accountId, await core.folders.get(accountId, folderId)))];

  for (let i = 0; i < 5; i++) await deliver(i);
  assert.deepEqual(await current(inbox.id), await expected(inbox.id));

  await core.mailbox.setFlags(accountId, inbox.id, [2, 4], { mode: 'add', flags: ['\\Seen', '$Label'] });
  await core.mailbox.expunge(accountId, inbox.id, [3]);
  await deliver(5);
  await core.mailbox.copy(accountId, inbox.id, [1, 2], archive.id, { move: true });
  assert.deepEqual(await current(inbox.id), await expected(inbox.id));
  assert.deepEqual(await current(archive.id), await expected(archive.id));

  // Changes racing with reads: every read still returns the state of at least its folder record.
  const racing = Promise.all([
    ...Array.from({ length: 10 }, (_, i) => deliver(10 + i)),
    core.mailbox.setFlags(accountId, inbox.id, [4, 5], { mode: 'set', flags: ['\\Flagged'] }),
    core.mailbox.expunge(accountId, inbox.id, [6]),
  ]);
  const during = await Promise.all(Array.from({ length: 5 }, () => current(inbox.id)));
  await racing;
  for (const snapshot of during) assert.ok(snapshot.length > 0);
  assert.deepEqual(await current(inbox.id), await expected(inbox.id));
});
