// The IMAP server with a real client, imapflow, on both ports (STARTTLS and implicit TLS,
// with and without COMPRESS=DEFLATE): every command imapflow can issue, against a mailbox
// that holds real MIME messages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { TestService } from '../helpers/service.ts';
import { createUser, message, startImapService, type ImapTestUser } from './support.ts';

const MULTIPART = [
  'From: =?UTF-8?B?SsO8cmdlbg==?= <juergen@example.com>',
  'To: alice@sealpost.test, Carol <carol@example.org>',
  'Cc: dave@example.net',
  'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=',
  'Date: Tue, 4 Feb 2025 08:30:00 +0000',
  'Message-ID: <multi@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Sch=C3=B6ne Gr=C3=BC=C3=9Fe, the zeppelin code is 4711.',
  '--b1',
  'Content-Type: application/octet-stream; name="data.bin"',
  'Content-Disposition: attachment; filename="data.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('binary attachment \u0000\u0001\u0002 payload').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

describe('imapflow against the IMAP server', () => {
  let service: TestService;
  let user: ImapTestUser;

  before(async () => {
    service = await startImapService();
    user = await createUser(service, 'alice@sealpost.test');
  });
  after(() => service.stop());

  const variants: { name: string; options: () => Partial<ImapFlowOptions> }[] = [
    { name: 'implicit TLS with COMPRESS', options: () => ({ port: service.port('imaps'), secure: true }) },
    { name: 'STARTTLS without COMPRESS', options: () => ({ port: service.port('imap'), secure: false, doSTARTTLS: true, disableCompression: true }) },
  ];

  const clientFor = (options: Partial<ImapFlowOptions>, credentials = user) =>
    new ImapFlow({
      host: '127.0.0.1',
      tls: { rejectUnauthorized: false },
      auth: { user: credentials.address, pass: credentials.appPassword },
      logger: false,
      qresync: true,
      ...options,
    } as ImapFlowOptions);

  for (const variant of variants) {
    test(`${variant.name}: folders, append, fetch, search, flags, copy, move, expunge, quota`, async () => {
      const client = clientFor(variant.options());
      await client.connect();
      try {
        assert.ok(client.capabilities.has('IDLE') && client.capabilities.has('QRESYNC') && client.capabilities.has('MOVE'));
        assert.ok(!client.capabilities.has('AUTH=PLAIN'), 'no AUTH= after login');

        const prefix = variant.name.split(' ')[0]!;
        const folder = `${prefix}/Projekte Ü`;
        await client.mailboxCreate(folder);
        await client.mailboxSubscribe(folder);
        const listed = await client.list();
        const names = listed.map((entry) => entry.path);
        for (const name of ['INBOX', 'Drafts', 'Sent', 'Junk', 'Trash', 'Archive', prefix, folder]) assert.ok(names.includes(name), `${name} listed`);
        assert.equal(listed.find((entry) => entry.path === 'Sent')!.specialUse, '\\Sent');
        assert.ok(listed.find((entry) => entry.path === prefix)!.flags.has('\\HasChildren'));
        assert.ok(listed.find((entry) => entry.path === folder)!.subscribed);

        const plain = await client.append(folder, message(`plain ${prefix}`), ['\\Seen', '$Work'], new Date('2025-02-03T09:00:00Z'));
        assert.ok(plain && plain.uid === 1 && plain.uidValidity);
        const multi = await client.append(folder, MULTIPART);
        assert.ok(multi && multi.uid === 2);

        const status = await client.status(folder, { messages: true, unseen: true, uidNext: true, uidValidity: true, highestModseq: true, recent: true });
        assert.equal(status.messages, 2);
        assert.equal(status.unseen, 1);
        assert.equal(status.uidNext, 3);
        assert.equal(status.uidValidity, plain.uidValidity);
        assert.equal(status.recent, 2);

        const lock = await client.getMailboxLock(folder);
        try {
          assert.equal((client.mailbox as { exists: number }).exists, 2);
          const messages = await client.fetchAll('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, internalDate: true, size: true });
          assert.deepEqual(
            messages.map((m) => m.uid),
            [1, 2],
          );
          assert.ok(messages[0]!.flags!.has('\\Seen') && messages[0]!.flags!.has('$Work'));
          assert.equal(new Date(messages[0]!.internalDate!).toISOString(), '2025-02-03T09:00:00.000Z');
          assert.equal(messages[1]!.envelope!.subject, 'Grüße aus München');
          assert.equal(messages[1]!.envelope!.from![0]!.name, 'Jürgen');
          assert.deepEqual(
            messages[1]!.envelope!.to!.map((a) => a.address),
            ['alice@sealpost.test', 'carol@example.org'],
          );
          assert.equal(messages[1]!.size, Buffer.byteLength(MULTIPART));
          const structure = messages[1]!.bodyStructure!;
          assert.equal(structure.type, 'multipart/mixed');
          assert.deepEqual(
            structure.childNodes!.map((part) => part.type),
            ['text/plain', 'application/octet-stream'],
          );
          assert.equal(structure.childNodes![1]!.dispositionParameters!.filename, 'data.bin');

          const source = await client.fetchOne('2', { source: true, headers: ['subject'], bodyParts: ['1', '2'] });
          assert.ok(source);
          assert.equal(source.source!.toString(), MULTIPART);
          assert.match(source.headers!.toString(), /^Subject: =\?UTF-8\?Q\?Gr/);
          assert.match(source.bodyParts!.get('1')!.toString(), /Sch=C3=B6ne/);
          const partial = await client.fetchOne('1', { source: { start: 6, maxLength: 10 } });
          assert.ok(partial);
          assert.equal(partial.source!.toString(), message(`plain ${prefix}`).slice(6, 16));
          const download = await client.download('2', '2');
          const chunks: Buffer[] = [];
          for await (const chunk of download.content) chunks.push(chunk as Buffer);
          assert.equal(Buffer.concat(chunks).toString('latin1'), 'binary attachment \u0000\u0001\u0002 payload');
          const text = await client.download('2', '1');
          const textChunks: Buffer[] = [];
          for await (const chunk of text.content) textChunks.push(chunk as Buffer);
          assert.match(Buffer.concat(textChunks).toString('utf8'), /Schöne Grüße/);

          assert.deepEqual(await client.search({ subject: 'grüße' }), [2]);
          assert.deepEqual(await client.search({ from: 'jürgen' }), [2]);
          assert.deepEqual(await client.search({ body: 'zeppelin' }), [2]);
          assert.deepEqual(await client.search({ seen: false }), [2]);
          assert.deepEqual(await client.search({ keyword: '$work' }), [1]);
          assert.deepEqual(await client.search({ header: { 'message-id': 'multi@' } }), [2]);
          assert.deepEqual(await client.search({ since: new Date('2025-01-01'), larger: 400 }), [2]);
          assert.deepEqual(await client.search({ uid: '2:*' }, { uid: true }), [2]);
          assert.deepEqual(await client.search({ or: [{ subject: 'plain' }, { body: 'zeppelin' }] }), [1, 2]);

          assert.ok(await client.messageFlagsAdd('2', ['\\Flagged', '$Later']));
          assert.ok(await client.messageFlagsRemove('1', ['$Work']));
          const flags = await client.fetchAll('1:*', { flags: true });
          const stored = (set: Set<string> | undefined) => [...set!].filter((flag) => flag !== '\\Recent').sort();
          assert.deepEqual(stored(flags[0]!.flags), ['\\Seen']);
          assert.deepEqual(stored(flags[1]!.flags), ['$Later', '\\Flagged'], 'imapflow peeks: no \\Seen');

          const copied = await client.messageCopy('1:2', 'Archive');
          assert.ok(copied);
          assert.equal(copied.uidMap!.size, 2);
          const moved = await client.messageMove('1', 'Trash');
          assert.ok(moved);
          // imapflow does not count VANISHED (QRESYNC) down in `exists`: ask the server.
          assert.deepEqual(await client.search({ all: true }, { uid: true }), [2]);
          assert.ok(await client.messageDelete('1'));
          assert.deepEqual(await client.search({ all: true }, { uid: true }), []);
        } finally {
          lock.release();
        }
        const archive = await client.status('Archive', { messages: true });
        assert.ok(archive.messages! >= 2);

        await client.mailboxRename(folder, `${prefix}/Renamed`);
        assert.ok((await client.list()).some((entry) => entry.path === `${prefix}/Renamed`));
        await client.mailboxDelete(`${prefix}/Renamed`);
        await client.mailboxUnsubscribe(`${prefix}/Renamed`);
        assert.ok(!(await client.list()).some((entry) => entry.path.startsWith(`${prefix}/`)));

        const quota = await client.getQuota('INBOX');
        assert.ok(quota !== false && quota.storage?.limit === service.config.limits.mailboxQuotaBytes);
      } finally {
        await client.logout();
      }
    });
  }

  test('IDLE hears an APPEND made by another session', async () => {
    const watcher = clientFor(variants[0]!.options());
    const writer = clientFor(variants[1]!.options());
    await Promise.all([watcher.connect(), writer.connect()]);
    try {
      await watcher.mailboxOpen('Drafts');
      const seen = new Promise<number>((resolve) => watcher.on('exists', (data: { count: number }) => resolve(data.count)));
      const idling = watcher.idle();
      await writer.append('Drafts', message('draft while idling'));
      assert.equal(await seen, 1);
      await watcher.noop();
      await idling;
    } finally {
      await Promise.all([watcher.logout(), writer.logout()]);
    }
  });

  test("a user never reaches another user's folders", async () => {
    const other = await createUser(service, 'mallory@sealpost.test');
    const owner = clientFor(variants[0]!.options());
    await owner.connect();
    await owner.mailboxCreate('Private');
    await owner.append('Private', message('secret plans'));
    await owner.logout();
    const intruder = clientFor(variants[0]!.options(), other);
    await intruder.connect();
    try {
      assert.ok(!(await intruder.list()).some((entry) => entry.path === 'Private'));
      await assert.rejects(intruder.mailboxOpen('Private'));
      await assert.rejects(intruder.status('Private', { messages: true }));
      const lock = await intruder.getMailboxLock('INBOX');
      try {
        assert.deepEqual(await intruder.search({ subject: 'secret' }), []);
        assert.equal(await intruder.messageCopy('1:*', 'Private').catch(() => false), false);
      } finally {
        lock.release();
      }
    } finally {
      await intruder.logout();
    }
  });

  test('the account password is refused; only an app password logs in', async () => {
    const client = clientFor(variants[0]!.options(), { ...user, appPassword: user.password });
    await assert.rejects(client.connect());
  });
});
