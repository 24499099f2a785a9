// The message API serves ciphertext and clear metadata only; the client decrypts. Flags,
// copy/move/expunge, lazy rewrap and uploads of client-encrypted messages go through the
// mail core, where IMAP sees the same results.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeMetadata, encodeMetadata } from '../../mime/metadata.ts';
import { analyzeMessage } from '../../mime/structure.ts';
import { readBodyFrames } from '../../shared/body-frames.ts';
import { b64, DOMAIN, fromB64, startWebTestbed, type BrowserLikeClient, type WebTestbed } from './support.ts';

describe('web message API', () => {
  let bed: WebTestbed;
  let client: BrowserLikeClient;
  let accountId: string;
  const address = `reader@${DOMAIN}`;

  async function deliver(text: string, count = 1): Promise<void> {
    for (let index = 0; index < count; index++) {
      await bed.core.ingest.deliver({
        source: 'mx',
        recipients: [{ accountId, address }],
        content: (async function* () {
          yield Buffer.from(text.replaceAll('{n}', String(index)));
        })(),
      });
    }
  }

  async function folderId(specialUse: string): Promise<string> {
    return (await bed.core.folders.findBySpecialUse(accountId, specialUse as '\\Inbox')).id;
  }

  before(async () => {
    bed = await startWebTestbed();
    ({ accountId } = await bed.createAccount(address));
    client = bed.client();
    await client.login(address);
  });
  after(() => bed.close());

  test('list, metadata and body are ciphertext that the client decrypts', async () => {
    const canary = `CANARY${randomBytes(8).toString('hex')}`;
    const body = `Body line with ${canary}\r\n`.repeat(9000); // > 64 KiB: several chunks
    await deliver(`From: Sender <sender@remote.example>\r\nTo: ${address}\r\nSubject: Hello ${canary}\r\n\r\n${body}`);
    const inbox = await folderId('\\Inbox');
    const index = await client.request('GET', `/api/folders/${inbox}/messages`);
    assert.equal(index.status, 200);
    const [entry] = index.body.messages;
    const [uid, size, internalDate, modSeq, flags] = entry;
    assert.equal(uid, 1);
    assert.ok(size > 9000 * 20);
    assert.equal(internalDate, bed.clock.now());
    assert.ok(modSeq > 0);
    assert.deepEqual(flags, []);

    const metadata = await client.request('POST', `/api/folders/${inbox}/messages/metadata`, { uids: [uid, 999] });
    assert.equal(metadata.body.messages.length, 1, 'unknown UIDs are left out');
    const record = metadata.body.messages[0];
    const contentKey = bed.crypto.openContentKey(fromB64(record.contentKey), client.keys!);
    const summary = decodeMetadata(bed.crypto.decryptMetadata(contentKey, fromB64(record.metadata))).summary;
    assert.equal(summary.envelope.subject, `Hello ${canary}`);

    const whole = await client.request('GET', `/api/folders/${inbox}/messages/${uid}/body`);
    assert.equal(whole.headers['content-type'], 'application/octet-stream');
    const ciphertext = whole.raw.rawPayload;
    assert.equal(Number(whole.headers['x-ciphertext-size']), ciphertext.length);
    const decryptor = bed.crypto.createBodyDecryptor(contentKey);
    const plaintext = Buffer.concat([decryptor.push(ciphertext), decryptor.final()]);
    assert.ok(plaintext.toString().includes(`Subject: Hello ${canary}`));

    const ranged = await client.request('GET', `/api/folders/${inbox}/messages/${uid}/body?start=100&end=200`);
    assert.deepEqual(ranged.raw.rawPayload, ciphertext.subarray(100, 200));

    for (const response of [index, metadata, whole, ranged]) {
      assert.ok(!response.raw.rawPayload.includes(canary), 'no plaintext leaves the server');
    }
  });

  test('the index pages through a folder', async () => {
    await deliver('Subject: page {n}\r\n\r\nx\r\n', 24);
    const inbox = await folderId('\\Inbox');
    const seen: number[] = [];
    let afterUid = 0;
    for (;;) {
      const page = await client.request('GET', `/api/folders/${inbox}/messages?afterUid=${afterUid}&limit=10`);
      seen.push(...page.body.messages.map((entry: number[]) => entry[0]));
      if (page.body.nextAfterUid === null) break;
      afterUid = page.body.nextAfterUid;
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 25 }, (_, index) => index + 1),
    );
  });

  test('many bodies come in one answer, in the order asked, without those that are gone', async () => {
    const inbox = await folderId('\\Inbox');
    const asked = [5, 2, 999, 1, 3];
    const answer = await client.request('POST', `/api/folders/${inbox}/messages/bodies`, { uids: asked });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/octet-stream');
    const payload: Buffer = answer.raw.rawPayload;
    assert.equal(Number(answer.headers['content-length']), payload.length);
    const bodies = readBodyFrames(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length) as ArrayBuffer);
    assert.deepEqual([...bodies.keys()], [5, 2, 1, 3], 'the unknown UID is left out');
    for (const [uid, ciphertext] of bodies) {
      const single = await client.request('GET', `/api/folders/${inbox}/messages/${uid}/body`);
      assert.deepEqual(Buffer.from(ciphertext), single.raw.rawPayload, `the body of ${uid}`);
    }
    assert.throws(
      () => readBodyFrames(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length - 1) as ArrayBuffer),
      /ends inside the body of 3/,
    );
    const tooMany = await client.request('POST', `/api/folders/${inbox}/messages/bodies`, { uids: Array.from({ length: 101 }, (_, index) => index + 1) });
    assert.equal(tooMany.status, 400);
    const unknownFolder = await client.request('POST', `/api/folders/${'0'.repeat(32)}/messages/bodies`, { uids: [1] });
    assert.equal(unknownFolder.status, 404);
  });

  test('the client rewraps sealed keys; a stale or unwrapped replacement is refused', async () => {
    const inbox = await folderId('\\Inbox');
    const [record] = (await client.request('POST', `/api/folders/${inbox}/messages/metadata`, { uids: [2] })).body.messages;
    const sealed = fromB64(record.contentKey);
    assert.ok(bed.crypto.isSealedContentKey(sealed), 'delivery seals');
    const contentKey = bed.crypto.openContentKey(sealed, client.keys!);
    const rewrapped = b64(bed.crypto.wrapContentKey(contentKey, client.keys!.masterKey));
    const stored = await client.request('POST', `/api/folders/${inbox}/messages/rewrap`, {
      keys: [{ uid: 2, previous: record.contentKey, contentKey: rewrapped }],
    });
    assert.deepEqual(stored.body, { stored: 1 });
    const after = (await bed.core.messages.get(accountId, inbox, 2)).contentKey;
    assert.equal(after, rewrapped);
    const stale = await client.request('POST', `/api/folders/${inbox}/messages/rewrap`, {
      keys: [{ uid: 2, previous: record.contentKey, contentKey: b64(bed.crypto.wrapContentKey(contentKey, client.keys!.masterKey)) }],
    });
    assert.deepEqual(stale.body, { stored: 0 });
    const notWrapped = await client.request('POST', `/api/folders/${inbox}/messages/rewrap`, {
      keys: [{ uid: 3, previous: (await bed.core.messages.get(accountId, inbox, 3)).contentKey, contentKey: b64(new Uint8Array(73).fill(1)) }],
    });
    assert.equal(notWrapped.status, 400);
    assert.deepEqual(bed.crypto.openContentKey(fromB64(after), client.keys!), contentKey, 'the rewrapped key opens');
  });

  test('flags, copy, move and expunge reach the mail core', async () => {
    const inbox = await folderId('\\Inbox');
    const archive = await folderId('\\Archive');
    const flagged = await client.request('POST', `/api/folders/${inbox}/messages/flags`, { uids: [3, 4], mode: 'add', flags: ['\\Seen', '\\Flagged'] });
    assert.deepEqual(
      flagged.body.updated.map((entry: { uid: number }) => entry.uid),
      [3, 4],
    );
    assert.deepEqual((await bed.core.messages.get(accountId, inbox, 3)).flags, ['\\Seen', '\\Flagged']);
    await client.request('POST', `/api/folders/${inbox}/messages/flags`, { uids: [3], mode: 'remove', flags: ['\\flagged'] });
    assert.deepEqual((await bed.core.messages.get(accountId, inbox, 3)).flags, ['\\Seen']);

    const copied = await client.request('POST', `/api/folders/${inbox}/messages/copy`, { uids: [3], to: archive });
    assert.deepEqual(copied.body, { sourceUids: [3], destinationUids: [1] });
    const moved = await client.request('POST', `/api/folders/${inbox}/messages/move`, { uids: [4, 5], to: archive });
    assert.deepEqual(moved.body, { sourceUids: [4, 5], destinationUids: [2, 3] });
    assert.equal((await client.request('GET', `/api/folders/${archive}/messages`)).body.messages.length, 3);
    const expunged = await client.request('POST', `/api/folders/${archive}/messages/expunge`, { uids: [1, 2, 77] });
    assert.deepEqual(expunged.body, { expunged: [1, 2] });
    const unknownFolder = await client.request('POST', `/api/folders/${inbox}/messages/move`, { uids: [6], to: 'ffff' });
    assert.equal(unknownFolder.status, 404);
    assert.equal(unknownFolder.body.code, 'MAILBOX_NONEXISTENT');
    const badFlag = await client.request('POST', `/api/folders/${inbox}/messages/flags`, { uids: [6], mode: 'add', flags: ['bad flag'] });
    assert.equal(badFlag.status, 400);
  });

  test('an upload encrypted by the client is stored as is and reads back with the keys', async () => {
    const drafts = await folderId('\\Drafts');
    const message = Buffer.from(`From: ${address}\r\nTo: friend@remote.example\r\nSubject: Draft\r\n\r\nNot sent yet.\r\n`);
    const upload = encryptForUpload(bed, client, message);
    const response = await client.request('POST', `/api/folders/${drafts}/messages`, { ...upload, flags: ['\\Draft', '\\Seen'] });
    assert.equal(response.status, 201);
    assert.equal(response.body.size, message.length);
    const record = await bed.core.messages.get(accountId, drafts, response.body.uid);
    assert.equal(record.contentKey, upload.contentKey, 'stored exactly as the client wrapped it');
    assert.deepEqual(record.flags, ['\\Draft', '\\Seen']);
    const chunks: Uint8Array[] = [];
    for await (const chunk of bed.core.messages.readBody(client.keys!, accountId, drafts, record)) chunks.push(chunk);
    assert.deepEqual(Buffer.concat(chunks), message);
    const metadata = await bed.core.messages.readMetadata(client.keys!, accountId, drafts, record);
    assert.equal(metadata.summary.envelope.subject, 'Draft');
    assert.equal((await bed.core.folders.get(accountId, drafts)).messages, 1);
  });

  test('an upload of impossible size, with a sealed key or a short metadata record is refused', async () => {
    const drafts = await folderId('\\Drafts');
    const message = Buffer.from('Subject: x\r\n\r\ny\r\n');
    const good = encryptForUpload(bed, client, message);
    // 25 + 65536 + 17 + 1: past one full chunk, too short for a second (crypto/FORMAT.md).
    const impossible = { ...good, body: b64(bed.crypto.randomBytes(25 + 65536 + 17 + 1)) };
    const sealed = { ...good, contentKey: b64(bed.crypto.sealContentKey(bed.crypto.newContentKey(), client.keys!.publicKey)) };
    for (const [payload, code] of [
      [impossible, 'INVALID_ARGUMENT'],
      [sealed, 'INVALID_REQUEST'],
      [{ ...good, metadata: b64(new Uint8Array(10)) }, 'INVALID_REQUEST'],
    ] as const) {
      const response = await client.request('POST', `/api/folders/${drafts}/messages`, payload);
      assert.equal(response.status, 400);
      assert.equal(response.body.code, code);
    }
    const beforeUsage = await bed.core.accounts.usage(accountId);
    assert.equal((await bed.core.folders.get(accountId, drafts)).messages, 1, 'nothing was stored');
    assert.equal(beforeUsage.messages, (await bed.core.accounts.usage(accountId)).messages);
  });

  test('another account cannot read these messages', async () => {
    await bed.createAccount(`intruder@${DOMAIN}`);
    const intruder = bed.client();
    await intruder.login(`intruder@${DOMAIN}`);
    const inbox = await folderId('\\Inbox');
    assert.equal((await intruder.request('GET', `/api/folders/${inbox}/messages`)).status, 404);
    assert.equal((await intruder.request('GET', `/api/folders/${inbox}/messages/1/body`)).status, 404);
    assert.deepEqual((await intruder.request('POST', `/api/folders/${inbox}/messages/metadata`, { uids: [1] })).body.messages, []);
    assert.equal((await intruder.request('POST', `/api/folders/${inbox}/messages/bodies`, { uids: [1] })).status, 404);
  });
});

/** What the browser's crypto worker does before an upload. */
export function encryptForUpload(bed: WebTestbed, client: BrowserLikeClient, message: Buffer) {
  const contentKey = bed.crypto.newContentKey();
  const encryptor = bed.crypto.createBodyEncryptor(contentKey);
  const body = Buffer.concat([encryptor.push(message), encryptor.final()]);
  return {
    contentKey: b64(bed.crypto.wrapContentKey(contentKey, client.keys!.masterKey)),
    metadata: b64(bed.crypto.encryptMetadata(contentKey, encodeMetadata(analyzeMessage(message)))),
    body: b64(body),
  };
}
