// Two sessions on one mailbox see each other's changes at the moments RFC 3501 7.4.1 allows:
// flag changes and expunges wait while a command that uses sequence numbers runs (FETCH,
// STORE, SEARCH), and arrive at NOOP, at a UID command, or at once while IDLE; new mail is
// announced with EXISTS. A message delivered over SMTP wakes every IDLE session quickly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { TestService } from '../helpers/service.ts';
import { appendRaw, createUser, loggedIn, message, startImapService, type ImapTestUser, type RawImap } from './support.ts';

describe('concurrent sessions on one mailbox', () => {
  let service: TestService;
  let user: ImapTestUser;

  before(async () => {
    service = await startImapService();
    user = await createUser(service, 'shared@sealpost.test');
  });
  after(() => service.stop());

  async function pair(folder: string, count: number): Promise<[RawImap, RawImap]> {
    const a = await loggedIn(service, user);
    await a.command(`CREATE ${folder}`);
    for (let i = 1; i <= count; i++) await appendRaw(a, folder, message(`${folder} ${i}`));
    // A first look claims \Recent, so that neither session below shows it.
    await a.command(`EXAMINE ${folder}`);
    await a.command(`SELECT ${folder}`);
    await a.command(`SELECT ${folder}`);
    const b = await loggedIn(service, user, folder);
    return [a, b];
  }

  test('flag changes wait during FETCH/STORE/SEARCH by number and arrive at NOOP', async () => {
    const [a, b] = await pair('Flags', 3);
    try {
      await b.command('STORE 2 +FLAGS (\\Flagged)');
      assert.deepEqual((await a.command('FETCH 1 (UID)')).lines, ['* 1 FETCH (UID 1)']);
      assert.deepEqual((await a.command('SEARCH UNSEEN')).lines, ['* SEARCH 1 2 3']);
      assert.deepEqual((await a.command('STORE 3 +FLAGS (\\Seen)')).lines, ['* 3 FETCH (UID 3 FLAGS (\\Seen))']);
      assert.deepEqual((await a.command('NOOP')).lines, ['* 2 FETCH (UID 2 FLAGS (\\Flagged))']);
      assert.deepEqual((await a.command('NOOP')).lines, [], 'announced once');
      // B hears about A's change too, and A is not told about its own change again.
      assert.deepEqual((await b.command('NOOP')).lines, ['* 3 FETCH (UID 3 FLAGS (\\Seen))']);
      // A UID command may carry the announcement.
      await b.command('STORE 1 +FLAGS (\\Answered)');
      assert.deepEqual((await a.command('UID FETCH 3 (UID)')).lines, ['* 3 FETCH (UID 3)', '* 1 FETCH (UID 1 FLAGS (\\Answered))']);
    } finally {
      a.close();
      b.close();
    }
  });

  test('expunges wait during commands that use sequence numbers; numbers stay valid until told', async () => {
    const [a, b] = await pair('Expunges', 4);
    try {
      await b.command('STORE 2,3 +FLAGS.SILENT (\\Deleted)');
      assert.deepEqual((await b.command('EXPUNGE')).lines, ['* 2 EXPUNGE', '* 2 EXPUNGE']);
      // A still numbers four messages; the gone ones are skipped with EXPUNGEISSUED.
      assert.deepEqual((await a.command('FETCH 1:4 (UID)')).lines.length, 4, 'what the view holds may still be told');
      const fetched = await a.command('FETCH 1:4 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
      assert.deepEqual(
        fetched.lines.map((line) => /^\* (\d+) FETCH \(UID (\d+)/.exec(line)!.slice(1).join(':')),
        ['1:1', '4:4'],
      );
      assert.match(fetched.tagged, / NO \[EXPUNGEISSUED\]/);
      assert.deepEqual((await a.command('SEARCH ALL')).lines, ['* SEARCH 1 2 3 4']);
      assert.deepEqual((await a.command('STORE 4 +FLAGS.SILENT (\\Seen)')).lines, []);
      assert.deepEqual((await a.command('NOOP')).lines, ['* 2 EXPUNGE', '* 2 EXPUNGE']);
      assert.deepEqual((await a.command('FETCH 2 (UID)')).lines, ['* 2 FETCH (UID 4)']);
      // New mail may be announced during a FETCH, expunges may not.
      await b.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
      await b.command('EXPUNGE');
      await appendRaw(b, 'Expunges', message('late arrival'));
      const during = await a.command('FETCH 1 (UID)');
      assert.equal(during.lines[0], '* 1 FETCH (UID 1)');
      assert.ok(during.lines.includes('* 3 EXISTS'), during.lines.join(' | '));
      assert.ok(!during.lines.some((line) => line.endsWith('EXPUNGE')));
      assert.deepEqual((await a.command('NOOP')).lines, ['* 1 EXPUNGE']);
      assert.deepEqual((await a.command('UID SEARCH ALL')).lines, ['* SEARCH 4 5']);
    } finally {
      a.close();
      b.close();
    }
  });

  test('with QRESYNC the other session hears VANISHED; IDLE hears everything at once', async () => {
    const [a, b] = await pair('Idle', 2);
    try {
      await a.command('UNSELECT');
      await a.command('ENABLE QRESYNC');
      await a.command('SELECT Idle');
      const tag = a.nextTag();
      a.send(`${tag} IDLE\r\n`);
      assert.equal(await a.readLine(), '+ idling');
      await b.command('STORE 1 +FLAGS (\\Flagged)');
      assert.match(await a.readLine(), /^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/);
      await b.command('STORE 2 +FLAGS.SILENT (\\Deleted)');
      assert.match(await a.readLine(), /^\* 2 FETCH \(UID 2 FLAGS \(\\Deleted\) MODSEQ \(\d+\)\)$/);
      await b.command('EXPUNGE');
      assert.equal(await a.readLine(), '* VANISHED 2');
      await appendRaw(b, 'Idle', message('during idle'));
      assert.equal(await a.readLine(), '* 2 EXISTS');
      a.send('DONE\r\n');
      assert.match((await a.until(tag)).tagged, / OK IDLE terminated/);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a message delivered over SMTP wakes every IDLE session within 100 ms', async () => {
    const idlers: RawImap[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const client = await loggedIn(service, user, 'INBOX');
        client.send(`i${i} IDLE\r\n`);
        assert.equal(await client.readLine(), '+ idling');
        idlers.push(client);
      }
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), secure: false, tls: { rejectUnauthorized: false } });
      const arrivals = idlers.map((client) => client.readLine(5000).then((line) => ({ line, at: performance.now() })));
      await transport.sendMail({ from: 'sender@example.com', to: user.address, subject: 'wake up', text: 'new mail' });
      const acknowledged = performance.now();
      for (const arrival of await Promise.all(arrivals)) {
        assert.match(arrival.line, /^\* \d+ EXISTS$/);
        assert.ok(arrival.at - acknowledged < 100, `announced ${Math.round(arrival.at - acknowledged)} ms after the 250`);
      }
      transport.close();
    } finally {
      for (const client of idlers) client.close();
    }
  });
});
