// The outbound spool at rest: content encrypted under a per-message key, the envelope (with
// that key and every recipient address) sealed under the spool key, only scheduling fields
// in clear; a wrong key or a flipped byte opens nothing; removal and abort leave nothing.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadNodeCrypto } from '../../crypto/node.ts';
import type { SealpostCrypto } from '../../crypto/api.ts';
import { queueKeys } from '../../server/queue/keys.ts';
import { OutboundSpool, type QueueEntry } from '../../server/queue/spool.ts';
import { openMemoryStore } from '../../server/store/open.ts';
import type { Store } from '../../server/store/types.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

const SIGNATURE = 'DKIM-Signature: v=1; a=rsa-sha256; d=sealpost.test; s=sp1; b=abc\r\n';

describe('outbound spool', () => {
  let crypto: SealpostCrypto;
  before(async () => {
    crypto = await loadNodeCrypto();
  });

  const spoolWith = (store: Store, key = crypto.randomBytes(32)) => ({ spool: new OutboundSpool(store, crypto, key, new ManualClock()), key });

  async function spoolMessage(spool: OutboundSpool, message: Buffer, recipient: string): Promise<QueueEntry> {
    const writer = spool.create();
    for (let offset = 0; offset < message.length; offset += 7000) await writer.write(message.subarray(offset, offset + 7000));
    return writer.commit({
      from: 'alice@sealpost.test',
      senderAccountId: 'acct1',
      messageId: '<m@sealpost.test>',
      recipients: [{ address: recipient, status: 'pending' }],
      dkimSignature: SIGNATURE,
    });
  }

  async function allBytes(store: Store): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const [key, value] of store.kv.iterate({})) parts.push(Buffer.from(key), Buffer.from(value));
    for await (const id of store.blobs.list()) for await (const chunk of store.blobs.read(id)) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }

  test('a message of several chunks reads back byte-exact after the DKIM signature; nothing readable is at rest', async () => {
    const store = openMemoryStore();
    const { spool } = spoolWith(store);
    const canary = `CANARY${randomBytes(8).toString('hex')}`;
    const recipient = `hidden-${randomBytes(4).toString('hex')}@example.org`;
    const message = Buffer.from(`Subject: ${canary}\r\n\r\n${`line with ${canary}\r\n`.repeat(6000)}`);
    const entry = await spoolMessage(spool, message, recipient);
    assert.equal(entry.size, message.length);
    assert.equal(entry.attempts, 0);

    const chunks: Buffer[] = [];
    for await (const chunk of spool.openContent(entry)) chunks.push(Buffer.from(chunk));
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat([Buffer.from(SIGNATURE), message]));
    assert.deepEqual(await spool.readHeaderSection(entry, 1024), Buffer.from(`Subject: ${canary}\r\n`));

    const atRest = await allBytes(store);
    for (const needle of [canary, recipient, 'alice@sealpost.test', 'acct1', entry.envelope.contentKey, 'DKIM-Signature']) {
      assert.ok(!atRest.includes(needle), `${needle} is not at rest in clear`);
    }
    const record = JSON.parse(Buffer.from((await store.kv.get(queueKeys.entry(entry.id)))!).toString());
    assert.deepEqual(Object.keys(record).sort(), ['attempts', 'blobId', 'createdAt', 'envelope', 'id', 'nextAttemptAt', 'size', 'v']);
    assert.deepEqual((await spool.load(entry.id))!.envelope.recipients, [{ address: recipient, status: 'pending' }]);
  });

  test('the envelope opens only with the spool key, and not once a byte is flipped', async () => {
    const store = openMemoryStore();
    const { spool } = spoolWith(store);
    const entry = await spoolMessage(spool, Buffer.from('Subject: x\r\n\r\nbody\r\n'), 'bob@example.org');
    const { spool: wrongKey } = spoolWith(store);
    await assert.rejects(wrongKey.load(entry.id), (error: { code?: string }) => error.code === 'QUEUE_UNREADABLE');

    const value = Buffer.from((await store.kv.get(queueKeys.entry(entry.id)))!);
    const record = JSON.parse(value.toString());
    const sealed = Buffer.from(record.envelope, 'base64');
    sealed[sealed.length - 5]! ^= 0x01;
    record.envelope = sealed.toString('base64');
    await store.kv.batch([{ type: 'put', key: queueKeys.entry(entry.id), value: Buffer.from(JSON.stringify(record)) }]);
    await assert.rejects(spool.load(entry.id), (error: { code?: string }) => error.code === 'QUEUE_UNREADABLE');
    assert.deepEqual(await spool.schedule(), [{ id: entry.id, nextAttemptAt: entry.nextAttemptAt }], 'scheduling needs no key');
  });

  test('remove deletes record and ciphertext; abort leaves nothing behind', async () => {
    const store = openMemoryStore();
    const { spool } = spoolWith(store);
    const entry = await spoolMessage(spool, Buffer.from('Subject: x\r\n\r\nbody\r\n'), 'bob@example.org');
    await spool.remove(entry);
    assert.deepEqual(await spool.list(), []);
    const writer = spool.create();
    await writer.write(Buffer.from('Subject: never committed\r\n\r\n'));
    await writer.abort();
    const blobs: string[] = [];
    for await (const id of store.blobs.list()) blobs.push(id);
    assert.deepEqual(blobs, []);
    assert.equal(await spool.load('not-an-id'), undefined);
  });
});
