// docs/design.md promises 1 and 4 on the MX path: a random canary in subject and body is found
// nowhere in the data directory (or the log), and a sending server at 127.0.0.77 leaves its
// address only in the delivery log's remote-server field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

describe('privacy at rest on the MX path', () => {
  let service: TestService;
  let account: { accountId: string; password: string };

  before(async () => {
    service = await startTestService();
    account = await service.createAccount('canary@sealpost.test');
  });
  after(() => service.stop());

  test('a canary in subject and body is stored only as ciphertext', async () => {
    const canary = `CANARY${randomBytes(12).toString('hex')}`;
    const subjectCanary = `SUBJ${randomBytes(12).toString('hex')}`;
    await nodemailer.createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), tls: { rejectUnauthorized: false } }).sendMail({
      from: 'sender@remote.example',
      to: 'canary@sealpost.test',
      subject: `Secret ${subjectCanary}`,
      text: `The body holds ${canary}.\n`.repeat(50),
      attachments: [{ filename: `${canary}.txt`, content: `attached ${canary}` }],
    });
    const keys = await unlockByPassword(service.core, service.crypto, account.accountId, account.password);
    const [stored] = await readInbox(service.core, keys, account.accountId);
    assert.ok(stored!.includes(canary), 'the message itself holds the canary');
    assert.ok(stored!.includes(subjectCanary));
    for (const needle of [canary, subjectCanary, Buffer.from(canary).toString('base64').slice(0, 24)]) {
      assert.deepEqual(await searchBytes(service.dataDir, needle), [], `no trace of ${needle} at rest`);
      assert.ok(!service.logLines.some((line) => line.includes(needle)), 'nor in the log');
    }
  });

  test('a server sending from 127.0.0.77 is named only in the delivery log', async () => {
    const peer = '127.0.0.77';
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), localAddress: peer, name: 'mx.remote.example', tls: { rejectUnauthorized: false } })
      .sendMail({ from: 'sender@remote.example', to: 'canary@sealpost.test', subject: 'from a peer', text: 'hello' });
    const [entry] = (await service.core.deliveryLog.search({ address: 'canary@sealpost.test' })).filter((e) => e.remote?.includes(peer));
    assert.ok(entry, 'the delivery log names the remote server');
    assert.equal(entry.direction, 'in');
    const hits = await searchBytes(service.dataDir, peer);
    for (const hit of hits) {
      assert.match(hit.before, /dlog\/\d{4}-\d{2}-\d{2}\/[0-9a-f]+\/[\s\S]{0,300}"remote":"\[$/, `hit in ${hit.file} is not a delivery-log entry`);
    }
    assert.ok(!service.logLines.some((line) => line.includes(peer)), 'the service log never names the peer');
  });
});
