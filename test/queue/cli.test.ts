// The operator's side of outbound mail through the real CLI: `queue list | retry | delete`
// over the admin socket of a running server and, with the server stopped, on the spool
// itself (which survives the restart); `domain add` making a DKIM key; `dns` printing every
// record, with the DKIM key that signs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { readDkimKey } from '../../server/dkim/keys.ts';
import { runSealpost } from '../../scripts/lib/server-process.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

describe('queue, domain and dns commands', () => {
  let remote: RemoteMx;
  let service: TestService;
  let accepting = false;
  const canary = `CANARY${randomBytes(8).toString('hex')}`;
  const settings = () => ['billing.enabled=false', `outbound.staticRoutes=example.org=127.0.0.1:${remote.port}`];
  const cli = (...args: string[]) => runSealpost([...args, '--data-dir', service.dataDir]);

  before(async () => {
    remote = await startRemoteMx({ dataReply: () => (accepting ? null : '451 4.3.0 Not now') });
    service = await startTestService(settings());
    const alice = await service.createAccount('alice@sealpost.test');
    const appPassword = await service.createAppPassword(alice.accountId, alice.password);
    await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('submissions'),
        secure: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'alice@sealpost.test', pass: appPassword },
      })
      .sendMail({ from: 'alice@sealpost.test', to: ['carol@example.org', 'dave@example.org'], subject: `secret ${canary}`, text: `body ${canary}` });
    await service.outbound!.settled();
  });
  after(async () => {
    await service.stop();
    await remote.close();
  });

  test('queue list shows envelope and status through the running server, never content', async () => {
    const listed = await cli('queue', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /^[0-9a-f]{16} {2}from <alice@sealpost\.test> {2}\d+ bytes {2}queued \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}1 attempts {2}next attempt /,
    );
    assert.match(listed.stdout, /\n {4}pending {3}<carol@example\.org> {2}\[127\.0\.0\.1\] answered DATA: 451 4\.3\.0 Not now\n/);
    assert.match(listed.stdout, /\n {4}pending {3}<dave@example\.org> /);
    assert.ok(!listed.stdout.includes(canary), 'no subject or body');
  });

  test('queue retry makes the entry due now; unknown ids are a clear error', async () => {
    const id = (await service.outbound!.list())[0]!.id;
    const before = remote.attempts;
    const retried = await cli('queue', 'retry', id);
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(retried.stdout.trim(), `${id} is due now`);
    await service.outbound!.settled();
    assert.equal(remote.attempts, before + 1);
    const unknown = await cli('queue', 'retry', '0123456789abcdef');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no queue entry 0123456789abcdef/);
  });

  test('with the server stopped the CLI reads the spool itself; the entry survives the restart and is delivered', async () => {
    const id = (await service.outbound!.list())[0]!.id;
    await service.stop({ keepData: true });
    const offline = await cli('queue', 'list');
    assert.equal(offline.code, 0, offline.stderr);
    assert.ok(offline.stdout.startsWith(`${id}  from <alice@sealpost.test>`), offline.stdout);
    accepting = true;
    assert.equal((await cli('queue', 'retry', id)).code, 0);
    service = await startTestService(settings(), service.dataDir);
    await service.outbound!.settled();
    assert.deepEqual(remote.received.flatMap((message) => message.to).sort(), ['carol@example.org', 'dave@example.org']);
    assert.ok(remote.received[0]!.raw.includes(canary), 'the content decrypts after the restart');
    assert.equal((await cli('queue', 'list')).stdout.trim(), 'the queue is empty');
  });

  test('queue delete removes an entry without delivering it', async () => {
    accepting = false;
    const entry = await service.outbound!.enqueue(
      { source: 'system', from: 'alice@sealpost.test', senderAccountId: null, messageId: null, recipients: ['erin@example.org'] },
      (async function* () {
        yield Buffer.from('From: alice@sealpost.test\r\nSubject: to delete\r\n\r\nx\r\n');
      })(),
      null,
    );
    await service.outbound!.settled();
    const deleted = await cli('queue', 'delete', entry.id);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await service.outbound!.list(), []);
    await assert.rejects(service.store.blobs.size(entry.blobId), (error: { code?: string }) => error.code === 'NOT_FOUND', 'the ciphertext is gone too');
  });

  test('domain add makes a DKIM key only the operator can read; dns prints every record with it', async () => {
    const added = await cli('domain', 'add', 'mail-domain.example');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /added domain mail-domain\.example\nDKIM key created: selector sp\d{8}\n/);
    const key = (await readDkimKey(service.dataDir, 'mail-domain.example'))!;
    const file = await stat(join(service.dataDir, 'keys', 'dkim', 'mail-domain.example', `${key.selector}.pem`));
    assert.equal(file.mode & 0o777, 0o600);

    const printed = await runSealpost(['dns', 'mail-domain.example', '--data-dir', service.dataDir, '--set', 'hostname=mx.mail-domain.example']);
    assert.equal(printed.code, 0, printed.stderr);
    const zone = printed.stdout;
    const record = (name: string, type: string) => new RegExp(`^${name.replaceAll('.', '\\.')}\\s+IN ${type}\\s+(.+)$`, 'm').exec(zone)?.[1];
    assert.equal(record('mail-domain.example.', 'MX'), '10 mx.mail-domain.example.');
    assert.equal(record('mail-domain.example.', 'TXT'), '"v=spf1 mx -all"');
    const dkim = record(`${key.selector}._domainkey.mail-domain.example.`, 'TXT')!;
    const joined = [...dkim.matchAll(/"([^"]*)"/g)].map((match) => match[1]).join('');
    assert.equal(joined, `v=DKIM1; k=rsa; p=${key.publicKeyBase64}`);
    assert.ok(
      [...dkim.matchAll(/"([^"]*)"/g)].every((match) => match[1]!.length <= 255),
      'TXT strings of at most 255 octets',
    );
    assert.equal(record('_dmarc.mail-domain.example.', 'TXT'), '"v=DMARC1; p=quarantine; adkim=s; aspf=s"');
    assert.match(record('_mta-sts.mail-domain.example.', 'TXT')!, /^"v=STSv1; id=[0-9a-f]{16}"$/);
    assert.equal(record('mta-sts.mail-domain.example.', 'CNAME'), 'mx.mail-domain.example.');
    assert.equal(record('_smtp._tls.mail-domain.example.', 'TXT'), '"v=TLSRPTv1; rua=mailto:postmaster@mail-domain.example"');
    assert.equal(record('autoconfig.mail-domain.example.', 'CNAME'), 'mx.mail-domain.example.');
    assert.equal(record('_submissions._tcp.mail-domain.example.', 'SRV'), '0 1 465 mx.mail-domain.example.');
    assert.equal(record('_submission._tcp.mail-domain.example.', 'SRV'), '10 1 587 mx.mail-domain.example.');
    assert.equal(record('_imaps._tcp.mail-domain.example.', 'SRV'), '0 1 993 mx.mail-domain.example.');
    assert.equal(record('_pop3s._tcp.mail-domain.example.', 'SRV'), '0 1 995 mx.mail-domain.example.');
    assert.match(zone, /; {3}mode: testing\n; {3}mx: mx\.mail-domain\.example\n/);

    const unknown = await cli('dns', 'not-ours.example');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not-ours\.example is not a domain of this server/);
  });
});
