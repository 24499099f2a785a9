// Core semantics IMAP needs beyond delivery: copy and move keeping the ciphertext, folder
// counters kept by every write, QRESYNC tombstones by MODSEQ, and the named folder tree
// (encrypted names, parents, rename of subtrees, delete rules, subscriptions).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccountKeys } from '../../crypto/account-keys.ts';
import type { MailboxKeys, SealpostCrypto } from '../../crypto/api.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { isMailError } from '../../server/core/errors.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { openMemoryStore } from '../../server/store/open.ts';
import type { Store } from '../../server/store/types.ts';
import { TEST_KDF } from '../helpers/service.ts';
import { unlockByPassword } from '../helpers/mail.ts';

const PASSWORD = 'folder test password';

async function* chunksOf(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

describe('copies, moves and the folder tree', () => {
  let crypto: SealpostCrypto;
  let core: MailCore;
  let store: Store;
  let counter = 0;

  before(async () => {
    crypto = await loadNodeCrypto();
    store = openMemoryStore();
    core = new MailCore({
      store,
      crypto,
      limits: { messageMaxBytes: 50_000, mailboxQuotaBytes: 100_000, addressesPerMailbox: 6 },
    });
    await core.domains.add('sealpost.test');
  });

  async function newAccount(): Promise<{ accountId: string; keys: MailboxKeys; inboxId: string }> {
    counter += 1;
    const { material } = await createAccountKeys(crypto, PASSWORD, TEST_KDF);
    const accountId = (await core.accounts.create(`user${counter}@sealpost.test`, material)).id;
    const keys = await unlockByPassword(core, crypto, accountId, PASSWORD);
    const inboxId = (await core.folders.findBySpecialUse(accountId, '\\Inbox')).id;
    return { accountId, keys, inboxId };
  }

  const deliver = (accountId: string, subject: string, flags?: string[]) =>
    core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address: 'x@sealpost.test', flags }],
      content: chunksOf(`Subject: ${subject}\r\n\r\nbody of ${subject}\r\n`),
    });

  test('copy keeps the blob and metadata, counts a reference, and rewraps a sealed key', async () => {
    const { accountId, keys, inboxId } = await newAccount();
    for (let i = 0; i < 3; i++) await deliver(accountId, `m${i}`, i === 0 ? ['\\Seen'] : []);
    const archive = await core.folders.findBySpecialUse(accountId, '\\Archive');
    const copied = await core.mailbox.copy(accountId, inboxId, [3, 1, 99], archive.id, { keys });
    assert.deepEqual(copied.sourceUids, [1, 3]);
    assert.deepEqual(copied.destinationUids, [1, 2]);
    assert.equal(copied.uidValidity, archive.uidValidity);
    const [original] = await core.messages.getMany(accountId, inboxId, [1]);
    const [copy] = await core.messages.getMany(accountId, archive.id, [1]);
    assert.equal(copy!.blobId, original!.blobId);
    assert.equal(copy!.metadata, original!.metadata);
    assert.ok(!crypto.isSealedContentKey(Buffer.from(copy!.contentKey, 'base64')), 'the copy carries a rewrapped key');
    assert.deepEqual(copy!.flags, ['\\Seen']);
    const target = await core.folders.get(accountId, archive.id);
    assert.deepEqual([target.messages, target.unseen, target.deleted], [2, 1, 0]);
    assert.equal((await core.accounts.usage(accountId)).messages, 5);

    // Expunging the original leaves the copy readable: the blob is still referenced.
    await core.mailbox.expunge(accountId, inboxId, [1]);
    const chunks: Uint8Array[] = [];
    for await (const chunk of core.messages.readBody(keys, accountId, archive.id, copy!)) chunks.push(chunk);
    assert.match(Buffer.concat(chunks).toString(), /body of m0/);
    // And expunging the copy too frees the blob.
    const before = await countBlobs(store);
    await core.mailbox.expunge(accountId, archive.id, [1]);
    assert.equal(await countBlobs(store), before - 1);
  });

  test('move expunges from the source in one transaction and does not change the usage', async () => {
    const { accountId, keys, inboxId } = await newAccount();
    for (let i = 0; i < 4; i++) await deliver(accountId, `m${i}`, i < 2 ? ['\\Deleted'] : []);
    const trash = await core.folders.findBySpecialUse(accountId, '\\Trash');
    const usage = await core.accounts.usage(accountId);
    const events: string[] = [];
    const stop = core.events.subscribe(accountId, (event) => events.push(`${event.type}:${'uid' in event ? event.uid : ''}`));
    const inboxBefore = await core.folders.get(accountId, inboxId);
    const moved = await core.mailbox.copy(accountId, inboxId, [1, 2, 3], trash.id, { move: true, keys });
    stop();
    assert.deepEqual(moved.expunged, [1, 2, 3]);
    assert.deepEqual(moved.destinationUids, [1, 2, 3]);
    assert.equal(moved.sourceHighestModSeq, inboxBefore.highestModSeq + 1);
    assert.deepEqual(await core.accounts.usage(accountId), usage);
    const inbox = await core.folders.get(accountId, inboxId);
    assert.deepEqual([inbox.messages, inbox.unseen, inbox.deleted], [1, 1, 0]);
    const trashAfter = await core.folders.get(accountId, trash.id);
    assert.deepEqual([trashAfter.messages, trashAfter.unseen, trashAfter.deleted], [3, 3, 2]);
    assert.deepEqual(events.sort(), [
      'message-added:1',
      'message-added:2',
      'message-added:3',
      'message-expunged:1',
      'message-expunged:2',
      'message-expunged:3',
    ]);
    assert.deepEqual(await core.mailbox.vanishedSince(accountId, inboxId, inboxBefore.highestModSeq), [1, 2, 3]);
    assert.deepEqual(await core.mailbox.vanishedSince(accountId, inboxId, moved.sourceHighestModSeq), []);
  });

  test('a copy that would exceed the quota is refused whole', async () => {
    const { accountId, inboxId } = await newAccount();
    await core.ingest.deliver({ source: 'mx', recipients: [{ accountId, address: 'x@sealpost.test' }], content: chunksOf('x'.repeat(40_000)) });
    await core.ingest.deliver({ source: 'mx', recipients: [{ accountId, address: 'x@sealpost.test' }], content: chunksOf('y'.repeat(40_000)) });
    const archive = await core.folders.findBySpecialUse(accountId, '\\Archive');
    await assert.rejects(core.mailbox.copy(accountId, inboxId, [1, 2], archive.id), (e) => isMailError(e, 'QUOTA_EXCEEDED'));
    assert.equal((await core.folders.get(accountId, archive.id)).messages, 0);
  });

  test('flag changes keep the unseen and deleted counters exact', async () => {
    const { accountId, inboxId } = await newAccount();
    for (let i = 0; i < 5; i++) await deliver(accountId, `m${i}`);
    await core.mailbox.setFlags(accountId, inboxId, [1, 2, 3], { mode: 'add', flags: ['\\Seen', '\\Deleted'] });
    await core.mailbox.setFlags(accountId, inboxId, [3, 4], { mode: 'set', flags: ['\\Flagged'] });
    const folder = await core.folders.get(accountId, inboxId);
    assert.deepEqual([folder.unseen, folder.deleted], [3, 2]);
    await core.mailbox.expunge(accountId, inboxId, [1]);
    const after = await core.folders.get(accountId, inboxId);
    assert.deepEqual([after.messages, after.unseen, after.deleted], [4, 3, 1]);
  });

  test('\\Recent is claimed once, by the first session to show a message, and stored', async () => {
    const { accountId, inboxId } = await newAccount();
    for (let i = 0; i < 3; i++) await deliver(accountId, `r${i}`);
    assert.deepEqual(await core.mailbox.claimRecent(accountId, inboxId, [1, 2, 3]), [1, 2, 3]);
    assert.deepEqual(await core.mailbox.claimRecent(accountId, inboxId, [1, 2, 3]), []);
    await deliver(accountId, 'r3');
    assert.deepEqual(await core.mailbox.claimRecent(accountId, inboxId, [2, 3, 4]), [4]);
    for (let i = 0; i < 50 && (await core.folders.get(accountId, inboxId)).firstRecentUid !== 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const folder = await core.folders.get(accountId, inboxId);
    assert.equal(folder.firstRecentUid, 5);
    assert.equal(core.mailbox.firstRecentUid(accountId, folder), 5);
  });

  test('folder names are stored only encrypted and resolve for the key holder', async () => {
    const { accountId, keys } = await newAccount();
    const name = `Projekte/Geheim-${Buffer.from(crypto.randomBytes(6)).toString('hex')}`;
    await core.folderTree.create(accountId, keys, name);
    const names = (await core.folderTree.list(accountId, keys)).map((entry) => entry.name);
    assert.deepEqual(names, ['INBOX', 'Archive', 'Drafts', 'Junk', 'Projekte', name, 'Sent', 'Trash']);
    for await (const [key, value] of store.kv.iterate({})) {
      assert.ok(!key.includes('Projekte') && !Buffer.from(value).toString('latin1').includes('Projekte'), `clear name in ${key}`);
    }
    await assert.rejects(core.folderTree.create(accountId, keys, name), (e) => isMailError(e, 'MAILBOX_EXISTS'));
    await assert.rejects(core.folderTree.create(accountId, keys, 'inbox'), (e) => isMailError(e, 'MAILBOX_EXISTS'));
    await assert.rejects(core.folderTree.create(accountId, keys, 'a//b'), (e) => isMailError(e, 'INVALID_ARGUMENT'));
  });

  test('rename moves a subtree; renaming INBOX moves its messages; delete keeps the rules', async () => {
    const { accountId, keys, inboxId } = await newAccount();
    await core.folderTree.create(accountId, keys, 'Work/2025/Q1');
    await core.folderTree.setSubscribed(accountId, keys, 'Work/2025', true);
    await core.folderTree.rename(accountId, keys, 'Work', 'Job');
    const names = async () => (await core.folderTree.list(accountId, keys)).map((entry) => entry.name).filter((n) => /^(Job|Work|Old)/.test(n));
    assert.deepEqual(await names(), ['Job', 'Job/2025', 'Job/2025/Q1']);
    assert.equal((await core.folderTree.find(accountId, keys, 'Job/2025'))!.folder.subscribed, true);
    await assert.rejects(core.folderTree.rename(accountId, keys, 'Job', 'Job/inner'), (e) => isMailError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(core.folderTree.delete(accountId, keys, 'Job'), (e) => isMailError(e, 'MAILBOX_HAS_CHILDREN'));
    await assert.rejects(core.folderTree.delete(accountId, keys, 'INBOX'), (e) => isMailError(e, 'MAILBOX_PROTECTED'));
    await assert.rejects(core.folderTree.delete(accountId, keys, 'Sent'), (e) => isMailError(e, 'MAILBOX_PROTECTED'));

    for (let i = 0; i < 2; i++) await deliver(accountId, `m${i}`);
    await core.folderTree.rename(accountId, keys, 'INBOX', 'Old/Inbox');
    assert.equal((await core.folders.get(accountId, inboxId)).messages, 0);
    const old = await core.folderTree.find(accountId, keys, 'Old/Inbox');
    assert.equal(old!.folder.messages, 2);

    // A deleted subscribed folder stays subscribed as a name (RFC 3501 6.3.6).
    await core.folderTree.delete(accountId, keys, 'Job/2025/Q1');
    await core.folderTree.delete(accountId, keys, 'Job/2025');
    assert.deepEqual(await core.folderTree.orphanSubscriptions(accountId, keys), ['Job/2025']);
    await core.folderTree.create(accountId, keys, 'Job/2025');
    assert.deepEqual(await core.folderTree.orphanSubscriptions(accountId, keys), []);
    assert.equal((await core.folderTree.find(accountId, keys, 'Job/2025'))!.folder.subscribed, true);
    await core.folderTree.setSubscribed(accountId, keys, 'Nowhere', true);
    await core.folderTree.setSubscribed(accountId, keys, 'Nowhere', true);
    assert.deepEqual(await core.folderTree.orphanSubscriptions(accountId, keys), ['Nowhere']);
    await core.folderTree.setSubscribed(accountId, keys, 'Nowhere', false);
    assert.deepEqual(await core.folderTree.orphanSubscriptions(accountId, keys), []);
  });

  test('deleting a folder frees its messages, blobs and quota', async () => {
    const { accountId, keys, inboxId } = await newAccount();
    const folder = await core.folderTree.create(accountId, keys, 'Temp');
    for (let i = 0; i < 3; i++) await deliver(accountId, `m${i}`);
    await core.mailbox.copy(accountId, inboxId, [1, 2], folder.id);
    await core.mailbox.copy(accountId, inboxId, [3], folder.id, { move: true });
    const blobs = await countBlobs(store);
    await core.folderTree.delete(accountId, keys, 'Temp');
    assert.equal(await countBlobs(store), blobs - 1, 'only the moved message lost its last reference');
    assert.deepEqual(await core.accounts.usage(accountId), { messages: 2, bytes: (await core.folders.get(accountId, inboxId)).bytes });
    assert.equal(await core.folderTree.find(accountId, keys, 'Temp'), undefined);
  });
});

async function countBlobs(store: Store): Promise<number> {
  let count = 0;
  for await (const _ of store.blobs.list()) count += 1;
  return count;
}
