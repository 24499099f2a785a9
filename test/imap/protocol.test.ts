// The IMAP server on the wire: exact responses and response codes for what high-level
// clients hide — TLS rules, login failures and throttling, SELECT data, FETCH sections,
// SEARCH/ESEARCH/SEARCHRES, SORT, THREAD, CONDSTORE/QRESYNC, APPEND limits, LIST-EXTENDED,
// UTF8=ACCEPT, quota, wrong states and abusive input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestService } from '../helpers/service.ts';
import { appendRaw, createUser, loggedIn, message, RawImap, startImapService, type ImapTestUser } from './support.ts';

describe('IMAP protocol details', () => {
  let service: TestService;
  let alice: ImapTestUser;

  before(async () => {
    service = await startImapService(['imap.limits.loginFailuresPerClient=1000']);
    alice = await createUser(service, 'alice@sealpost.test');
  });
  after(() => service.stop());

  test('the plain port offers STARTTLS and refuses every login before it; injected commands are dropped', async () => {
    const client = await RawImap.open(service.port('imap'), { tls: false });
    try {
      assert.match(client.greeting, /^\* OK \[CAPABILITY IMAP4rev1 IMAP4rev2 .*STARTTLS LOGINDISABLED\]/);
      assert.doesNotMatch(client.greeting, /AUTH=PLAIN/);
      assert.match((await client.login(alice.address, alice.appPassword)).tagged, /^t\d+ NO \[PRIVACYREQUIRED\]/);
      assert.match(
        (await client.command(`AUTHENTICATE PLAIN ${Buffer.from(`\0${alice.address}\0${alice.appPassword}`).toString('base64')}`)).tagged,
        / NO \[PRIVACYREQUIRED\]/,
      );
      assert.match((await client.command('SELECT INBOX')).tagged, / BAD /);
      await client.startTls();
      const capability = await client.command('CAPABILITY');
      assert.match(capability.lines[0]!, /AUTH=PLAIN/);
      assert.doesNotMatch(capability.lines[0]!, /STARTTLS|LOGINDISABLED/);
      assert.match((await client.login(alice.address, alice.appPassword)).tagged, / OK \[CAPABILITY .*CONDSTORE/);
    } finally {
      client.close();
    }
    // CVE-2011-0411: a command sent in the same packet as STARTTLS must never run.
    const injected = await RawImap.open(service.port('imap'), { tls: false });
    try {
      injected.send('s1 STARTTLS\r\ns2 CAPABILITY\r\n');
      assert.equal(await injected.readLine(), 's1 OK Begin TLS negotiation now');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(injected.hasLine, false);
    } finally {
      injected.close();
    }
  });

  test('AUTHENTICATE PLAIN with and without an initial response; cancel; no acting as another user', async () => {
    const client = await RawImap.open(service.port('imaps'), { tls: true });
    try {
      const tag = client.nextTag();
      client.send(`${tag} AUTHENTICATE PLAIN\r\n`);
      assert.equal(await client.readLine(), '+ ');
      client.send('*\r\n');
      assert.match((await client.until(tag)).tagged, / BAD Authentication cancelled/);
      const other = Buffer.from(`bob@sealpost.test\0${alice.address}\0${alice.appPassword}`).toString('base64');
      assert.match((await client.command(`AUTHENTICATE PLAIN ${other}`)).tagged, / NO \[AUTHORIZATIONFAILED\]/);
      const second = client.nextTag();
      client.send(`${second} AUTHENTICATE PLAIN\r\n`);
      await client.readLine();
      client.send(`${Buffer.from(`\0${alice.address}\0${alice.appPassword}`).toString('base64')}\r\n`);
      assert.match((await client.until(second)).tagged, / OK \[CAPABILITY /);
    } finally {
      client.close();
    }
  });

  test('a failed login looks and takes the same whether the address exists or not', async () => {
    const client = await RawImap.open(service.port('imaps'), { tls: true });
    try {
      const timed = async (address: string) => {
        const started = performance.now();
        const reply = await client.login(address, 'abcd-efgh-ijkl-mnop-qrst-uvwx-yz23-4567');
        return { text: reply.tagged.replace(/^t\d+ /, ''), ms: performance.now() - started };
      };
      const unknown = await timed('nobody@sealpost.test');
      const wrong = await timed(alice.address);
      const malformed = await timed(alice.address.replace('alice', 'x'));
      assert.equal(unknown.text, 'NO [AUTHENTICATIONFAILED] Invalid address or app password');
      assert.equal(wrong.text, unknown.text);
      assert.equal(malformed.text, unknown.text);
      for (const attempt of [unknown, wrong, malformed]) assert.ok(attempt.ms >= 240 && attempt.ms < 1500, `answered after ${attempt.ms} ms`);
      assert.match((await client.login(alice.address, alice.password)).tagged, / NO \[AUTHENTICATIONFAILED\]/, 'the account password is not an app password');
    } finally {
      client.close();
    }
  });

  test('SELECT and EXAMINE report the mailbox; a read-only mailbox refuses changes', async () => {
    const client = await loggedIn(service, alice);
    try {
      await client.command('CREATE Selecting');
      await appendRaw(client, 'Selecting', message('one'), '\\Seen');
      await appendRaw(client, 'Selecting', message('two'), '$Important');
      const selected = await client.command('SELECT Selecting');
      const text = selected.lines.join('\n');
      assert.match(text, /^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Important\)$/m);
      assert.match(text, /^\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Important \\\*\)\]/m);
      assert.match(text, /^\* 2 EXISTS$/m);
      assert.match(text, /^\* 2 RECENT$/m);
      assert.match(text, /^\* OK \[UNSEEN 2\]/m);
      assert.match(text, /^\* OK \[UIDVALIDITY \d+\]/m);
      assert.match(text, /^\* OK \[UIDNEXT 3\]/m);
      assert.match(text, /^\* OK \[HIGHESTMODSEQ \d+\]/m);
      assert.match(selected.tagged, / OK \[READ-WRITE\]/);
      const examined = await client.command('EXAMINE Selecting');
      assert.match(examined.lines.join('\n'), /^\* 0 RECENT$/m, 'the first SELECT claimed \\Recent');
      assert.match(examined.tagged, / OK \[READ-ONLY\]/);
      assert.match((await client.command('STORE 1 +FLAGS (\\Deleted)')).tagged, / NO \[READ-ONLY\]/);
      assert.match((await client.command('EXPUNGE')).tagged, / NO \[READ-ONLY\]/);
      assert.match((await client.command('FETCH 1 BODY[]')).lines[0]!, /^\* 1 FETCH \(BODY\[\] \{/);
      assert.doesNotMatch((await client.command('FETCH 2 FLAGS')).lines[0]!, /\\Seen/, 'EXAMINE never sets \\Seen');
      assert.match((await client.command('FETCH 3 FLAGS')).tagged, / BAD /, 'a message number beyond the mailbox');
      assert.match((await client.command('UID FETCH 99 FLAGS')).tagged, / OK /, 'a UID that does not exist is ignored');
    } finally {
      client.close();
    }
  });

  test('FETCH sections, partials, BINARY and the \\Seen side effect', async () => {
    const client = await loggedIn(service, alice);
    try {
      await client.command('CREATE Sections');
      const body = [
        'From: Bob <bob@example.com>',
        'Subject: sections',
        'X-Custom: kept',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary=zz',
        '',
        '--zz',
        'Content-Type: text/plain',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('plain text part').toString('base64'),
        '--zz',
        'Content-Type: text/html',
        '',
        '<p>html part</p>',
        '--zz--',
        '',
      ].join('\r\n');
      assert.match((await appendRaw(client, 'Sections', body)).tagged, / OK \[APPENDUID \d+ 1\]/);
      await client.command('SELECT Sections');
      const headers = await client.command('FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject X-CUSTOM)])');
      assert.equal(headers.lines[0], '* 1 FETCH (BODY[HEADER.FIELDS (Subject X-CUSTOM)] {37}\r\nSubject: sections\r\nX-Custom: kept\r\n\r\n)');
      const notFields = await client.command('FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (Subject X-Custom MIME-Version Content-Type)])');
      assert.equal(
        notFields.lines[0],
        '* 1 FETCH (BODY[HEADER.FIELDS.NOT (Subject X-Custom MIME-Version Content-Type)] {31}\r\nFrom: Bob <bob@example.com>\r\n\r\n)',
      );
      const mime = await client.command('FETCH 1 (BODY.PEEK[1.MIME] BODY.PEEK[2] BINARY.PEEK[1] BINARY.SIZE[1])');
      // Body data is always sent as a literal.
      assert.equal(
        mime.lines[0],
        '* 1 FETCH (BODY[1.MIME] {63}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n BODY[2] {16}\r\n<p>html part</p> BINARY[1] {15}\r\nplain text part BINARY.SIZE[1] 15)',
      );
      const partial = await client.command('FETCH 1 (BODY.PEEK[]<6.3> BODY.PEEK[TEXT]<2.4> RFC822.SIZE)');
      assert.equal(partial.lines[0], `* 1 FETCH (BODY[]<6> {3}\r\nBob BODY[TEXT]<2> {4}\r\nzz\r\n RFC822.SIZE ${Buffer.byteLength(body)})`);
      assert.equal((await client.command('FETCH 1 (BODY.PEEK[9] BODY.PEEK[]<99999.5>)')).lines[0], '* 1 FETCH (BODY[9] {0}\r\n BODY[]<99999> {0}\r\n)');
      const seen = await client.command('FETCH 1 (BODY[1])');
      assert.equal(seen.lines[0], '* 1 FETCH (BODY[1] {20}\r\ncGxhaW4gdGV4dCBwYXJ0 FLAGS (\\Seen \\Recent))');
      assert.match((await client.command('UID FETCH 1 (FLAGS)')).lines[0]!, /^\* 1 FETCH \(UID 1 FLAGS \(\\Seen \\Recent\)\)$/);
      const structure = await client.command('FETCH 1 (BODYSTRUCTURE ENVELOPE)');
      assert.match(
        structure.lines[0]!,
        /BODYSTRUCTURE \(\("text" "plain" \("charset" "us-ascii"\) NIL NIL "base64" 20 \d+ NIL NIL NIL NIL\)\("text" "html" \("charset" "us-ascii"\) NIL NIL "7bit" 16 \d+ NIL NIL NIL NIL\) "alternative" \("boundary" "zz"\) NIL NIL NIL\)/,
      );
      assert.match(structure.lines[0]!, /ENVELOPE \(NIL "sections" \(\("Bob" NIL "bob" "example.com"\)\)/);
    } finally {
      client.close();
    }
  });

  test('SEARCH, ESEARCH, SEARCHRES and CHARSET UTF-8', async () => {
    const client = await loggedIn(service, alice);
    try {
      await client.command('CREATE Searching');
      await appendRaw(client, 'Searching', message('apple pie', 'Äpfel und Birnen'), '\\Seen');
      await appendRaw(client, 'Searching', message('banana split', 'bananas', 'X-Spam: yes\r\n'), '\\Flagged');
      await appendRaw(client, 'Searching', message('cherry', 'small'));
      await client.command('SELECT Searching');
      assert.deepEqual((await client.command('SEARCH UNSEEN')).lines, ['* SEARCH 2 3']);
      assert.deepEqual((await client.command('UID SEARCH OR SUBJECT apple HEADER X-Spam yes')).lines, ['* SEARCH 1 2']);
      assert.deepEqual((await client.command('SEARCH NOT FLAGGED SEEN')).lines, ['* SEARCH 1']);
      const tag = client.nextTag();
      client.send(`${tag} SEARCH CHARSET UTF-8 BODY {6}\r\n`);
      assert.match(await client.readLine(), /^\+ /);
      client.send(Buffer.concat([Buffer.from('äpfel', 'utf8'), Buffer.from('\r\n')]));
      assert.deepEqual((await client.until(tag)).lines, ['* SEARCH 1']);
      assert.match((await client.command('SEARCH CHARSET KOI8-X ALL')).tagged, / NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/);
      const esearch = await client.command('SEARCH RETURN (MIN MAX COUNT ALL) NOT DELETED');
      assert.match(esearch.lines[0]!, /^\* ESEARCH \(TAG "t\d+"\) MIN 1 MAX 3 ALL 1:3 COUNT 3$/);
      assert.deepEqual((await client.command('UID SEARCH RETURN (SAVE) FLAGGED')).lines, []);
      assert.deepEqual((await client.command('FETCH $ (UID)')).lines, ['* 2 FETCH (UID 2)']);
      assert.deepEqual((await client.command('SEARCH $')).lines, ['* SEARCH 2']);
      assert.match((await client.command('SEARCH RETURN (COUNT) SUBJECT durian')).lines[0]!, /^\* ESEARCH \(TAG "t\d+"\) COUNT 0$/);
      const modseq = await client.command('SEARCH MODSEQ 1');
      assert.match(modseq.lines[0]!, /^\* SEARCH 1 2 3 \(MODSEQ \d+\)$/);
      assert.deepEqual((await client.command('SEARCH LARGER 100000')).lines, ['* SEARCH']);
      assert.deepEqual((await client.command('SEARCH SENTON 3-Feb-2025')).lines, ['* SEARCH 1 2 3']);
      assert.deepEqual((await client.command('SEARCH SENTBEFORE 3-Feb-2025')).lines, ['* SEARCH']);
      assert.deepEqual((await client.command('SEARCH 2:3 TEXT bananas')).lines, ['* SEARCH 2']);
      assert.match((await client.command('SEARCH 9')).tagged, / BAD /);
    } finally {
      client.close();
    }
  });

  test('SORT and THREAD', async () => {
    const client = await loggedIn(service, alice);
    try {
      await client.command('CREATE Threads');
      const mail = (subject: string, id: string, date: string, references = '', from = 'bob@example.com') =>
        `From: ${from}\r\nSubject: ${subject}\r\nDate: ${date}\r\nMessage-ID: <${id}>\r\n${references ? `References: ${references}\r\nIn-Reply-To: ${references.split(' ').pop()}\r\n` : ''}\r\nbody\r\n`;
      await appendRaw(client, 'Threads', mail('Plans', 'a@x', 'Mon, 3 Feb 2025 10:00:00 +0000'));
      await appendRaw(client, 'Threads', mail('Other topic', 'b@x', 'Mon, 3 Feb 2025 09:00:00 +0000', '', 'zed@example.com'));
      await appendRaw(client, 'Threads', mail('Re: Plans', 'c@x', 'Mon, 3 Feb 2025 11:00:00 +0000', '<a@x>', 'amy@example.com'));
      await appendRaw(client, 'Threads', mail('Re: Plans', 'd@x', 'Mon, 3 Feb 2025 12:00:00 +0000', '<a@x> <c@x>'));
      await appendRaw(client, 'Threads', mail('Re: Plans', 'e@x', 'Mon, 3 Feb 2025 13:00:00 +0000', '<a@x>'));
      await client.command('SELECT Threads');
      assert.deepEqual((await client.command('SORT (DATE) UTF-8 ALL')).lines, ['* SORT 2 1 3 4 5']);
      assert.deepEqual((await client.command('SORT (REVERSE SUBJECT DATE) UTF-8 ALL')).lines, ['* SORT 1 3 4 5 2']);
      assert.deepEqual((await client.command('UID SORT (FROM ARRIVAL) UTF-8 NOT SUBJECT other')).lines, ['* SORT 3 1 4 5']);
      assert.deepEqual((await client.command('THREAD REFERENCES UTF-8 ALL')).lines, ['* THREAD (2)(1 (3 4)(5))']);
      assert.deepEqual((await client.command('THREAD ORDEREDSUBJECT UTF-8 ALL')).lines, ['* THREAD (2)(1 (3)(4)(5))']);
    } finally {
      client.close();
    }
  });

  test('CONDSTORE and QRESYNC: UNCHANGEDSINCE, CHANGEDSINCE, VANISHED', async () => {
    const client = await loggedIn(service, alice);
    try {
      await client.command('ENABLE QRESYNC');
      await client.command('CREATE Sync');
      for (let i = 0; i < 4; i++) await appendRaw(client, 'Sync', message(`sync ${i}`));
      const selected = await client.command('SELECT Sync');
      const uidValidity = /UIDVALIDITY (\d+)/.exec(selected.lines.join('\n'))![1];
      const highest = Number(/HIGHESTMODSEQ (\d+)/.exec(selected.lines.join('\n'))![1]);
      const stored = await client.command(`STORE 1:2 (UNCHANGEDSINCE ${highest}) +FLAGS (\\Seen)`);
      assert.deepEqual(stored.lines, [
        `* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) MODSEQ (${highest + 1}))`,
        `* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) MODSEQ (${highest + 1}))`,
      ]);
      const refused = await client.command(`STORE 1,3 (UNCHANGEDSINCE ${highest}) +FLAGS (\\Flagged)`);
      assert.match(refused.tagged, / OK \[MODIFIED 1\]/);
      assert.deepEqual(
        (await client.command(`FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest + 1})`)).lines,
        [`* 1 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (${highest + 2}))`, `* 3 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (${highest + 2}))`].slice(1),
      );
      await client.command('STORE 4 +FLAGS.SILENT (\\Deleted)');
      const expunged = await client.command('EXPUNGE');
      assert.deepEqual(expunged.lines, ['* VANISHED 4']);
      assert.match(expunged.tagged, / OK \[HIGHESTMODSEQ \d+\]/);
      await client.command('UNSELECT');
      const resync = await client.command(`SELECT Sync (QRESYNC (${uidValidity} ${highest} 1:10))`);
      const text = resync.lines.join('\n');
      assert.match(text, /^\* VANISHED \(EARLIER\) 4$/m);
      assert.match(text, /^\* 1 FETCH \(UID 1 FLAGS \(\\Seen\) MODSEQ \(\d+\)\)$/m);
      assert.match(text, /^\* 3 FETCH \(UID 3 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/m);
      assert.doesNotMatch(text, /^\* 4 FETCH/m);
      const vanished = await client.command(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest} VANISHED)`);
      assert.equal(vanished.lines[0], '* VANISHED (EARLIER) 4');
      assert.match((await client.command('SELECT Sync (QRESYNC (1 1))')).tagged, / OK /, 'a wrong UIDVALIDITY is a plain SELECT');
    } finally {
      client.close();
    }
  });

  test('APPEND: limits, missing mailbox, literal8, LITERAL- before login, streaming a large message', async () => {
    const small = await startImapService(['limits.messageMaxBytes=4000000', 'limits.mailboxQuotaBytes=5000000']);
    try {
      const user = await createUser(small, 'bigmail@sealpost.test');
      const preauth = await RawImap.open(small.port('imaps'), { tls: true });
      preauth.send('p1 LOGIN {5000+}\r\n');
      preauth.send(`${'x'.repeat(5000)} y\r\n`);
      assert.match(await preauth.readLine(), /^p1 BAD \[TOOBIG\]/);
      preauth.close();
      const client = await loggedIn(small, user);
      const tag = client.nextTag();
      client.send(`${tag} APPEND INBOX {4000001}\r\n`);
      assert.match((await client.until(tag)).tagged, / NO \[TOOBIG\]/, 'refused before any byte is sent');
      assert.match((await appendRaw(client, 'Nowhere', message('x'))).tagged, / NO \[TRYCREATE\]/);
      const binary = Buffer.concat([Buffer.from('Subject: nul\r\n\r\nbefore\0after\r\n')]);
      const b = client.nextTag();
      client.send(`${b} APPEND INBOX ~{${binary.length}+}\r\n`);
      client.send(Buffer.concat([binary, Buffer.from('\r\n')]));
      assert.match((await client.until(b)).tagged, / OK \[APPENDUID \d+ 1\]/);
      // 3 MB streamed with a synchronising literal, then a slice from its middle.
      const large = Buffer.alloc(3_000_000, 'abcdefghijklmnopqrstuvwxyz\r\n');
      large.write('Subject: large\r\n\r\n');
      const l = client.nextTag();
      client.send(`${l} APPEND INBOX {${large.length}}\r\n`);
      assert.match(await client.readLine(), /^\+ /);
      for (let offset = 0; offset < large.length; offset += 65536) client.send(large.subarray(offset, offset + 65536));
      client.send('\r\n');
      assert.match((await client.until(l, 20_000)).tagged, / OK \[APPENDUID \d+ 2\]/);
      const over = client.nextTag();
      client.send(`${over} APPEND INBOX {${large.length}}\r\n`);
      assert.match((await client.until(over)).tagged, / NO \[OVERQUOTA\]/, 'refused before any byte is sent');
      await client.command('SELECT INBOX');
      const slice = await client.command('FETCH 2 (BODY.PEEK[]<1500000.40> RFC822.SIZE)');
      assert.equal(
        slice.lines[0],
        `* 2 FETCH (BODY[]<1500000> {40}\r\n${large.subarray(1_500_000, 1_500_040).toString('latin1')} RFC822.SIZE ${large.length})`,
      );
      const whole = await client.command('FETCH 2 BODY.PEEK[]', 20_000);
      assert.equal(whole.lines[0]!.length, `* 2 FETCH (BODY[] {${large.length}}\r\n`.length + large.length + 1);
      assert.match((await client.command('FETCH 1 (BINARY.PEEK[])')).lines[0]!, /^\* 1 FETCH \(BINARY\[\] ~\{\d+\}\r\nSubject: nul/);
      const quota = await client.command('GETQUOTAROOT INBOX');
      assert.equal(quota.lines[0], '* QUOTAROOT INBOX ""');
      assert.match(quota.lines[1]!, /^\* QUOTA "" \(STORAGE \d+ \d+\)$/);
      assert.match((await client.command('SETQUOTA "" (STORAGE 1)')).tagged, / NO \[NOPERM\]/);
      client.close();
    } finally {
      await small.stop();
    }
  });

  test('LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, subscriptions, CREATE, RENAME and DELETE rules', async () => {
    const client = await loggedIn(service, alice);
    try {
      assert.deepEqual((await client.command('LIST "" ""')).lines, ['* LIST (\\Noselect) "/" ""']);
      assert.match((await client.command('CREATE "Clients/Acme/2025"')).tagged, / OK /);
      assert.match((await client.command('CREATE Clients')).tagged, / NO \[ALREADYEXISTS\]/);
      assert.match((await client.command('CREATE Vault (USE (\\Archive))')).tagged, / OK /);
      assert.match((await client.command('CREATE Everything (USE (\\All))')).tagged, / NO \[USEATTR\]/);
      assert.deepEqual((await client.command('LIST "" Clients/%')).lines, ['* LIST (\\HasChildren) "/" Clients/Acme']);
      assert.deepEqual((await client.command('LIST "Clients/" "*"')).lines, [
        '* LIST (\\HasChildren) "/" Clients/Acme',
        '* LIST (\\HasNoChildren) "/" Clients/Acme/2025',
      ]);
      const special = await client.command('LIST (SPECIAL-USE) "" "*"');
      assert.ok(special.lines.includes('* LIST (\\HasNoChildren \\Archive) "/" Vault'));
      assert.ok(special.lines.includes('* LIST (\\HasNoChildren \\Sent) "/" Sent'));
      assert.ok(!special.lines.some((line) => line.includes('Clients')));
      const withStatus = await client.command('LIST "" "INBOX" RETURN (STATUS (MESSAGES UIDNEXT SIZE))');
      assert.match(withStatus.lines[0]!, /^\* LIST \(\\HasNoChildren\) "\/" INBOX$/);
      assert.match(withStatus.lines[1]!, /^\* STATUS INBOX \(MESSAGES \d+ UIDNEXT \d+ SIZE \d+\)$/);
      await client.command('SUBSCRIBE Clients/Acme');
      await client.command('SUBSCRIBE Ghost');
      const subscribed = await client.command('LIST (SUBSCRIBED) "" "*"');
      assert.ok(subscribed.lines.includes('* LIST (\\HasChildren \\Subscribed) "/" Clients/Acme'));
      assert.ok(subscribed.lines.includes('* LIST (\\NonExistent \\Subscribed) "/" Ghost'));
      assert.ok(subscribed.lines.includes('* LIST (\\HasNoChildren \\Subscribed) "/" INBOX'));
      const recursive = await client.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"');
      assert.ok(recursive.lines.includes('* LIST (\\HasChildren) "/" Clients ("CHILDINFO" ("SUBSCRIBED"))'));
      assert.ok((await client.command('LSUB "" "*"')).lines.includes('* LSUB (\\Noselect) "/" Ghost'));
      await client.command('UNSUBSCRIBE Ghost');
      assert.ok(!(await client.command('LSUB "" "*"')).lines.some((line) => line.includes('Ghost')));
      assert.match((await client.command('DELETE Clients')).tagged, / NO \[HASCHILDREN\]/);
      assert.match((await client.command('DELETE INBOX')).tagged, / NO \[CANNOT\]/);
      assert.match((await client.command('DELETE Trash')).tagged, / NO \[CANNOT\]/);
      assert.match((await client.command('DELETE Nothing')).tagged, / NO \[NONEXISTENT\]/);
      assert.match((await client.command('RENAME Clients Customers')).tagged, / OK /);
      assert.deepEqual(
        (await client.command('LIST "" "Customers/*"')).lines,
        ['* LIST (\\HasChildren \\Subscribed) "/" Customers/Acme', '* LIST (\\HasNoChildren) "/" Customers/Acme/2025'].map((line) =>
          line.replace(' \\Subscribed', ''),
        ),
      );
      assert.match((await client.command('RENAME Customers Sent')).tagged, / NO \[ALREADYEXISTS\]/);
      assert.match(
        (await client.command('STATUS Customers/Acme (MESSAGES UNSEEN DELETED HIGHESTMODSEQ APPENDLIMIT RECENT)')).lines[0]!,
        /^\* STATUS Customers\/Acme \(MESSAGES 0 RECENT 0 UNSEEN 0 DELETED 0 HIGHESTMODSEQ 1 APPENDLIMIT \d+\)$/,
      );
    } finally {
      client.close();
    }
  });

  test('UTF8=ACCEPT and modified UTF-7 names; NAMESPACE, ID, ENABLE, IMAP4rev2', async () => {
    const client = await loggedIn(service, alice);
    try {
      assert.match((await client.command('CREATE "Entw&APw-rfe"')).tagged, / OK /);
      assert.ok((await client.command('LIST "" "Entw*"')).lines.includes('* LIST (\\HasNoChildren) "/" Entw&APw-rfe'));
      assert.deepEqual((await client.command('NAMESPACE')).lines, ['* NAMESPACE (("" "/")) NIL NIL']);
      assert.deepEqual((await client.command('ID ("name" "test" "os" "secret host")')).lines, ['* ID ("name" "Sealpost")']);
      assert.deepEqual((await client.command('ENABLE UTF8=ACCEPT IMAP4rev2 X-UNKNOWN')).lines, ['* ENABLED UTF8=ACCEPT IMAP4rev2']);
      const utf8 = (line: string) => Buffer.from(line, 'latin1').toString('utf8');
      assert.ok((await client.command('LIST "" "Entw*"')).lines.map(utf8).includes('* LIST (\\HasNoChildren) "/" "Entwürfe"'));
      const tag = client.nextTag();
      client.send(Buffer.concat([Buffer.from(`${tag} CREATE "Grüße"\r\n`, 'utf8')]));
      assert.match((await client.until(tag)).tagged, / OK /);
      await client.command('SELECT INBOX');
      const exists = await client.command('SEARCH ALL');
      assert.match(exists.lines[0]!, /^\* ESEARCH \(TAG "t\d+"\)/, 'IMAP4rev2 answers SEARCH with ESEARCH');
      assert.doesNotMatch((await client.command('SELECT INBOX')).lines.join('\n'), /RECENT/);
      assert.match((await client.command('ENABLE CONDSTORE')).tagged, / BAD /, 'ENABLE is not valid in the selected state');
    } finally {
      client.close();
    }
  });

  test('wrong states, unknown commands and floods of bad commands', async () => {
    const client = await RawImap.open(service.port('imaps'), { tls: true });
    try {
      assert.match((await client.command('FETCH 1 FLAGS')).tagged, /^t\d+ BAD FETCH is not allowed in this state/);
      assert.match((await client.command('FROBNICATE')).tagged, / BAD /);
      assert.match((await client.command('NOOP')).tagged, / OK /);
      for (let i = 0; i < 19; i++) await client.command('XYZZY');
      client.send('z1 XYZZY\r\n');
      assert.match(await client.readLine(), /^z1 BAD/);
      assert.match(await client.readLine(), /^\* BYE Too many invalid commands/);
    } finally {
      client.close();
    }
    const long = await loggedIn(service, alice);
    try {
      long.send(`l1 SEARCH ${'SUBJECT x '.repeat(8000)}\r\n`);
      assert.match(await long.readLine(), /^l1 BAD Line too long/);
      assert.match((await long.command('NOOP')).tagged, / OK /, 'the session goes on after the error');
      await long.command('SELECT INBOX');
      assert.match((await long.command(`SEARCH ${'('.repeat(100)}ALL${')'.repeat(100)}`)).tagged, / BAD /, 'nesting too deep');
      assert.match((await long.command('FETCH 0:2 FLAGS')).tagged, / BAD .*sequence set/i);
      assert.match((await long.command('UID FETCH 1:x FLAGS')).tagged, / BAD /);
      assert.match((await long.command('CREATE "&Jjo"')).tagged, / NO \[CANNOT\]/, 'invalid modified UTF-7');
      assert.match((await long.command('STORE 1 +FLAGS (\\Recent)')).tagged, / BAD /, '\\Recent is not for clients');
      const literal = long.nextTag();
      long.send(`${literal} SEARCH SUBJECT {999999999}\r\n`);
      assert.match(await long.readLine(), new RegExp(`^${literal} NO \\[TOOBIG\\]`), 'a literal beyond the limit is refused without a continuation');
      assert.match((await long.command('NOOP')).tagged, / OK /);
    } finally {
      long.close();
    }
  });

  test('login throttling per client address, in memory', async () => {
    const throttled = await startImapService(['imap.limits.loginFailuresPerClient=3']);
    try {
      const user = await createUser(throttled, 'carol@sealpost.test');
      const client = await RawImap.open(throttled.port('imaps'), { tls: true });
      for (let i = 0; i < 3; i++) assert.match((await client.login(user.address, 'wrong')).tagged, / NO \[AUTHENTICATIONFAILED\]/);
      assert.match((await client.login(user.address, user.appPassword)).tagged, / NO \[UNAVAILABLE\]/);
      client.close();
      const elsewhere = await RawImap.open(throttled.port('imaps'), { tls: true, localAddress: '127.0.0.2' });
      assert.match((await elsewhere.login(user.address, user.appPassword)).tagged, / OK /, 'another client address is not affected');
      elsewhere.close();
    } finally {
      await throttled.stop();
    }
  });

  test('COPY, MOVE and UIDPLUS codes, CLOSE expunges silently, UID EXPUNGE only named UIDs', async () => {
    const client = await loggedIn(service, alice);
    try {
      await client.command('CREATE Source');
      await client.command('CREATE Target');
      for (let i = 0; i < 4; i++) await appendRaw(client, 'Source', message(`copy ${i}`));
      await client.command('SELECT Source');
      const copied = await client.command('COPY 2:3 Target');
      assert.match(copied.tagged, / OK \[COPYUID \d+ 2:3 1:2\]/);
      assert.match((await client.command('COPY 1 Missing')).tagged, / NO \[TRYCREATE\]/);
      const moved = await client.command('UID MOVE 1,4 Target');
      assert.match(moved.lines[0]!, /^\* OK \[COPYUID \d+ 1,4 3:4\]/);
      assert.deepEqual(moved.lines.slice(1), ['* 1 EXPUNGE', '* 3 EXPUNGE']);
      await client.command('STORE 1:2 +FLAGS.SILENT (\\Deleted)');
      assert.deepEqual((await client.command('UID EXPUNGE 3')).lines, ['* 2 EXPUNGE']);
      const closed = await client.command('CLOSE');
      assert.deepEqual(closed.lines, []);
      assert.match((await client.command('STATUS Source (MESSAGES)')).lines[0]!, /MESSAGES 0/);
      assert.match((await client.command('STATUS Target (MESSAGES UNSEEN)')).lines[0]!, /MESSAGES 4 UNSEEN 4/);
    } finally {
      client.close();
    }
  });
});
