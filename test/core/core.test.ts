// Mail-core semantics on the in-memory store: ingest limits, UID/MODSEQ order under
// concurrency, lazy rewrap, key slots, crypto-shredding, delivery-log days.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccountKeys, createSecretSlot } from '../../crypto/account-keys.ts';
import type { SealpostCrypto } from '../../crypto/api.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { isMailError } from '../../server/core/errors.ts';
import { keys } from '../../server/core/keys.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { decodeRecord, type MessageRecord } from '../../server/core/records.ts';
import { openMemoryStore } from '../../server/store/open.ts';
import type { Store } from '../../server/store/types.ts';
import { TEST_KDF } from '../helpers/service.ts';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';

const PASSWORD = 'core test password';

async function* chunksOf(text: string, size = 1000): AsyncIterable<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

function message(subject: string, body = 'body'): string {
  return `From: a@remote.example\r\nTo: b@sealpost.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;
}

describe('mail core', () => {
  let crypto: SealpostCrypto;
  let core: MailCore;
  let store: Store;
  let now: number;

  before(async () => {
    crypto = await loadNodeCrypto();
    now = Date.UTC(2026, 10, 21, 12);
    store = openMemoryStore();
    core = new MailCore({
      store,
      crypto,
      limits: { messageMaxBytes: 50_000, mailboxQuotaBytes: 100_000, addressesPerMailbox: 6 },
      clock: { now: () => now },
    });
    await core.domains.add('sealpost.test');
  });

  async function newAccount(address: string) {
    const { material } = await createAccountKeys(crypto, PASSWORD, TEST_KDF);
    return (await core.accounts.create(address, material)).id;
  }

  const deliver = (accountId: string, address: string, text: string) =>
    core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address }],
      content: chunksOf(text),
      deliveryLog: { direction: 'in', remote: '[192.0.2.1]', status: 'stored' },
    });

  test('creates the default folders with special use and refuses a taken or invalid address', async () => {
    const accountId = await newAccount('folders@sealpost.test');
    const folders = await core.folders.list(accountId);
    assert.deepEqual(folders.map((folder) => folder.specialUse).sort(), ['\\Archive', '\\Drafts', '\\Inbox', '\\Junk', '\\Sent', '\\Trash']);
    assert.equal(new Set(folders.map((folder) => folder.uidValidity)).size, 6);
    assert.ok(folders.every((folder) => folder.encryptedName === null));
    const { material } = await createAccountKeys(crypto, PASSWORD, TEST_KDF);
    await assert.rejects(core.accounts.create('FOLDERS@sealpost.test', material), (e) => isMailError(e, 'ADDRESS_TAKEN'));
    await assert.rejects(core.accounts.create('abc@sealpost.test', material), (e) => isMailError(e, 'ADDRESS_INVALID'));
    await assert.rejects(core.accounts.create('valid.name@other.test', material), (e) => isMailError(e, 'DOMAIN_UNKNOWN'));
  });

  test('concurrent deliveries get strictly ascending UIDs and MODSEQs with no gaps', async () => {
    const accountId = await newAccount('burst@sealpost.test');
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => deliver(accountId, 'burst@sealpost.test', message(`m${i}`))));
    const uids = results.map((result) => result.stored[0]!.uid).sort((a, b) => a - b);
    assert.deepEqual(
      uids,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const inbox = await core.folders.findBySpecialUse(accountId, '\\Inbox');
    assert.equal(inbox.uidNext, 41);
    assert.equal(inbox.messages, 40);
    const records = await core.messages.list(accountId, inbox.id);
    assert.deepEqual(
      records.map((r) => r.modSeq),
      Array.from({ length: 40 }, (_, i) => i + 2),
    );
    assert.equal((await core.accounts.usage(accountId)).messages, 40);
  });

  test('refuses a message over the size limit and stores nothing', async () => {
    const accountId = await newAccount('sizes@sealpost.test');
    const countBlobs = async () => {
      let count = 0;
      for await (const _ of store.blobs.list()) count += 1;
      return count;
    };
    const blobsBefore = await countBlobs();
    await assert.rejects(deliver(accountId, 'sizes@sealpost.test', message('big', 'z'.repeat(60_000))), (e) => isMailError(e, 'MESSAGE_TOO_LARGE'));
    await assert.rejects(
      core.ingest.deliver({ source: 'mx', recipients: [{ accountId, address: 'sizes@sealpost.test' }], content: chunksOf('x'), declaredSize: 60_000 }),
      (e) => isMailError(e, 'MESSAGE_TOO_LARGE'),
    );
    assert.equal((await core.accounts.usage(accountId)).messages, 0);
    assert.equal(await countBlobs(), blobsBefore);
  });

  test('enforces the quota: full mailbox, and a message larger than the quota', async () => {
    const accountId = await newAccount('quota@sealpost.test');
    for (let i = 0; i < 2; i++) await deliver(accountId, 'quota@sealpost.test', message(`q${i}`, 'q'.repeat(45_000)));
    await assert.rejects(deliver(accountId, 'quota@sealpost.test', message('over', 'q'.repeat(45_000))), (e) => isMailError(e, 'QUOTA_EXCEEDED'));
    await assert.rejects(core.ingest.checkQuota(accountId, 200_000), (e) => isMailError(e, 'MESSAGE_EXCEEDS_QUOTA'));
    await assert.rejects(core.ingest.checkQuota(accountId, 20_000), (e) => isMailError(e, 'QUOTA_EXCEEDED'));
  });

  test('the first session that reads a sealed key rewraps it; both forms decrypt the same', async () => {
    const accountId = await newAccount('rewrap@sealpost.test');
    await deliver(accountId, 'rewrap@sealpost.test', message('sealed'));
    const inbox = await core.folders.findBySpecialUse(accountId, '\\Inbox');
    const readKey = async () => decodeRecord<MessageRecord>((await store.kv.get(keys.message(accountId, inbox.id, 1)))!).contentKey;
    const sealed = await readKey();
    assert.ok(crypto.isSealedContentKey(Buffer.from(sealed, 'base64')));
    const sessionKeys = await unlockByPassword(core, crypto, accountId, PASSWORD);
    const first = await readInbox(core, sessionKeys, accountId);
    for (let i = 0; i < 50 && (await readKey()) === sealed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const rewrapped = await readKey();
    assert.notEqual(rewrapped, sealed);
    assert.ok(!crypto.isSealedContentKey(Buffer.from(rewrapped, 'base64')));
    assert.deepEqual(await readInbox(core, sessionKeys, accountId), first);
    const record = (await core.messages.list(accountId, inbox.id))[0]!;
    const range = await core.messages.readBodyRange(sessionKeys, accountId, inbox.id, record, 6, 20);
    assert.equal(Buffer.from(range).toString(), first[0]!.subarray(6, 20).toString());
  });

  test('app passwords unlock the mailbox; a revoked one does not', async () => {
    const accountId = await newAccount('slots@sealpost.test');
    const sessionKeys = await unlockByPassword(core, crypto, accountId, PASSWORD);
    const appPassword = crypto.newAppPassword();
    const slot = await core.accounts.addAppPassword(accountId, 'laptop', createSecretSlot(crypto, sessionKeys.masterKey, appPassword, 'app-password'));
    const unlocked = await core.accounts.unlockWithAppSecret('SLOTS@sealpost.test', appPassword.toUpperCase().replaceAll('-', ' '));
    assert.equal(unlocked.accountId, accountId);
    assert.deepEqual(Buffer.from(unlocked.keys.publicKey), Buffer.from(sessionKeys.publicKey));
    await core.accounts.revokeKeySlot(accountId, slot.id);
    await assert.rejects(core.accounts.unlockWithAppSecret('slots@sealpost.test', appPassword), (e) => isMailError(e, 'AUTHENTICATION_FAILED'));
  });

  test('deletion destroys the key slots first, then every record and blob of the account', async () => {
    const accountId = await newAccount('doomed@sealpost.test');
    const sessionKeys = await unlockByPassword(core, crypto, accountId, PASSWORD);
    const appPassword = crypto.newAppPassword();
    await core.accounts.addAppPassword(accountId, 'x', createSecretSlot(crypto, sessionKeys.masterKey, appPassword, 'app-password'));
    await deliver(accountId, 'doomed@sealpost.test', message('bye'));
    const blobsBefore: string[] = [];
    for await (const id of store.blobs.list()) blobsBefore.push(id);
    await core.accounts.delete(accountId);
    for await (const [key] of store.kv.iterate({})) assert.ok(!key.includes(accountId), `left behind: ${key}`);
    assert.equal(await core.accounts.findIdByAddress('doomed@sealpost.test'), undefined);
    const blobsAfter: string[] = [];
    for await (const id of store.blobs.list()) blobsAfter.push(id);
    assert.equal(blobsAfter.length, blobsBefore.length - 1);
    await assert.rejects(core.accounts.unlockWithAppSecret('doomed@sealpost.test', appPassword), (e) => isMailError(e, 'AUTHENTICATION_FAILED'));
  });

  test('the delivery log is kept by day and whole days older than the retention are dropped', async () => {
    const accountId = await newAccount('logged@sealpost.test');
    const start = now;
    for (let day = 0; day < 9; day++) {
      now = start + day * 86_400_000;
      await deliver(accountId, 'logged@sealpost.test', message(`day ${day}`));
    }
    assert.equal((await core.deliveryLog.search({ address: 'logged@sealpost.test' })).length, 9);
    const dropped = await core.deliveryLog.dropExpiredDays(7);
    assert.ok(dropped.length >= 2);
    const kept = await core.deliveryLog.search({ address: 'logged@sealpost.test' });
    assert.equal(kept.length, 7);
    assert.ok(kept.every((entry) => entry.time > now - 7 * 86_400_000));
    now = start;
  });
});

describe('mailbox changes', () => {
  test('flags change with a new MODSEQ, respect UNCHANGEDSINCE, and expunge frees quota and blobs', async () => {
    const crypto = await loadNodeCrypto();
    const store = openMemoryStore();
    const core = new MailCore({ store, crypto, limits: { messageMaxBytes: 50_000, mailboxQuotaBytes: 100_000, addressesPerMailbox: 6 } });
    await core.domains.add('sealpost.test');
    const { material } = await createAccountKeys(crypto, PASSWORD, TEST_KDF);
    const accountId = (await core.accounts.create('flags@sealpost.test', material)).id;
    for (let i = 0; i < 3; i++) {
      await core.ingest.deliver({ source: 'mx', recipients: [{ accountId, address: 'flags@sealpost.test' }], content: chunksOf(message(`f${i}`)) });
    }
    const inbox = await core.folders.findBySpecialUse(accountId, '\\Inbox');
    const events: string[] = [];
    core.events.subscribe(accountId, (event) => events.push(`${event.type}:${'uid' in event ? event.uid : ''}`));

    const added = await core.mailbox.setFlags(accountId, inbox.id, [1, 2], { mode: 'add', flags: ['\\seen', '$Work', '\\Recent'] });
    assert.deepEqual(
      added.updated.map((u) => [u.uid, u.flags]),
      [
        [1, ['\\Seen', '$Work']],
        [2, ['\\Seen', '$Work']],
      ],
    );
    assert.equal(added.highestModSeq, inbox.highestModSeq + 1);
    const unchanged = await core.mailbox.setFlags(accountId, inbox.id, [1], { mode: 'add', flags: ['\\Seen'] });
    assert.deepEqual(unchanged.updated, []);
    const guarded = await core.mailbox.setFlags(accountId, inbox.id, [1, 3], { mode: 'set', flags: ['\\Flagged'], unchangedSince: inbox.highestModSeq });
    assert.deepEqual(guarded.modified, [1]);
    assert.deepEqual(
      guarded.updated.map((u) => u.uid),
      [3],
    );

    const usageBefore = await core.accounts.usage(accountId);
    let blobs = 0;
    for await (const _ of store.blobs.list()) blobs += 1;
    const result = await core.mailbox.expunge(accountId, inbox.id, [2, 2, 99]);
    assert.deepEqual(result.expunged, [2]);
    const usageAfter = await core.accounts.usage(accountId);
    assert.equal(usageAfter.messages, usageBefore.messages - 1);
    assert.ok(usageAfter.bytes < usageBefore.bytes);
    let blobsAfter = 0;
    for await (const _ of store.blobs.list()) blobsAfter += 1;
    assert.equal(blobsAfter, blobs - 1);
    assert.deepEqual(
      (await core.messages.list(accountId, inbox.id)).map((m) => m.uid),
      [1, 3],
    );
    assert.equal((await core.folders.get(accountId, inbox.id)).uidNext, 4, 'UIDs are never reused');
    assert.deepEqual(events, ['flags-changed:1', 'flags-changed:2', 'flags-changed:3', 'message-expunged:2']);
  });
});

describe('password change', () => {
  test('rewraps the masterKey only: the new password opens every message, the old one nothing', async () => {
    const crypto = await loadNodeCrypto();
    const { rewrapForNewPassword } = await import('../../crypto/account-keys.ts');
    const store = openMemoryStore();
    const core = new MailCore({ store, crypto, limits: { messageMaxBytes: 50_000, mailboxQuotaBytes: 100_000, addressesPerMailbox: 6 } });
    await core.domains.add('sealpost.test');
    const { material } = await createAccountKeys(crypto, PASSWORD, TEST_KDF);
    const accountId = (await core.accounts.create('rotate@sealpost.test', material)).id;
    await core.ingest.deliver({ source: 'mx', recipients: [{ accountId, address: 'rotate@sealpost.test' }], content: chunksOf(message('kept')) });
    const keysBefore = await unlockByPassword(core, crypto, accountId, PASSWORD);
    const before = await readInbox(core, keysBefore, accountId);
    const blobsBefore: string[] = [];
    for await (const id of store.blobs.list()) blobsBefore.push(id);

    await core.accounts.changePassword(accountId, await rewrapForNewPassword(crypto, keysBefore.masterKey, 'the new password', TEST_KDF));
    await assert.rejects(unlockByPassword(core, crypto, accountId, PASSWORD));
    const keysAfter = await unlockByPassword(core, crypto, accountId, 'the new password');
    assert.deepEqual(await readInbox(core, keysAfter, accountId), before);
    const blobsAfter: string[] = [];
    for await (const id of store.blobs.list()) blobsAfter.push(id);
    assert.deepEqual(blobsAfter, blobsBefore, 'no message was re-encrypted');
  });
});
