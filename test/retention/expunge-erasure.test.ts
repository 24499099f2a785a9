// Deleted means deleted in the live store within a bounded time (issue 12, item 15): an
// expunged message's record (with its content key) and a deleted folder's records stay in
// LevelDB's files until a compaction; expunge and folder deletion (and so Junk and Trash
// expiry, which expunge) mark their ranges, and the erasure run, every
// retention.erasureIntervalMinutes and at shutdown, compacts them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { searchBytes } from '../helpers/byte-search.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

let service: TestService;
let accountId: string;

before(async () => {
  service = await startTestService(['filter.authentication=false']);
  ({ accountId } = await service.createAccount('eraser@sealpost.test'));
});
after(() => service.stop());

async function deliver(count: number): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), tls: { rejectUnauthorized: false } });
  for (let index = 0; index < count; index++) {
    await transport.sendMail({ from: 'friend@remote.example', to: 'eraser@sealpost.test', subject: `message ${index}`, text: 'hello\n' });
  }
  transport.close();
}

async function inbox() {
  const folder = await service.core.folders.findBySpecialUse(accountId, '\\Inbox');
  return { folder, messages: await service.core.messages.list(accountId, folder.id) };
}

test('an expunged message and a deleted folder leave the store files at the erasure run', async () => {
  await deliver(3);
  const { folder, messages } = await inbox();
  const [expunged, moved] = messages;
  const trash = await service.core.folders.findBySpecialUse(accountId, '\\Trash');
  await service.core.mailbox.copy(accountId, folder.id, [moved!.uid], trash.id, { move: true });
  const traces = [expunged!.contentKey, expunged!.metadata];
  await service.core.mailbox.expunge(accountId, folder.id, [expunged!.uid]);
  for (const trace of traces) assert.notDeepEqual(await searchBytes(service.paths.store, trace), [], 'still in the files before the run');
  assert.ok((await service.core.erasePendingDeletions()) >= 1);
  for (const trace of traces) assert.deepEqual(await searchBytes(service.paths.store, trace), [], 'gone after it');

  const archive = await service.core.folders.create(accountId, 'an encrypted name, opaque to the core');
  const [kept] = (await inbox()).messages;
  await service.core.mailbox.copy(accountId, folder.id, [kept!.uid], archive.id, { move: true });
  const [inArchive] = await service.core.messages.list(accountId, archive.id);
  await service.core.mailbox.deleteFolder(accountId, archive.id);
  assert.notDeepEqual(await searchBytes(service.paths.store, inArchive!.metadata), []);
  assert.ok((await service.core.erasePendingDeletions()) >= 1);
  assert.deepEqual(await searchBytes(service.paths.store, inArchive!.metadata), []);
  assert.equal(await service.core.erasePendingDeletions(), 0, 'nothing marked twice');
});
