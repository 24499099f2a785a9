// Fuzzing the whole server side — receiver, command parsers, session, handlers, core calls —
// over real sockets: logged-in sessions get mutated command scripts and random bytes in
// random splits. Nothing may crash the process or leave a rejection unhandled, and the
// server must still serve a clean session afterwards. Deterministic for a given seed;
// FUZZ_IMAP_SESSION_CASES raises the number of cases for a longer run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestService } from '../helpers/service.ts';
import { appendRaw, createUser, loggedIn, message, startImapService, type ImapTestUser } from './support.ts';

const CASES = Number(process.env.FUZZ_IMAP_SESSION_CASES ?? 400);
const CASES_PER_CONNECTION = 10;
const SEED = 0x5ea1;

const CORPUS: readonly string[] = [
  'SELECT INBOX\r\n',
  'EXAMINE "Fuzz/Box" (CONDSTORE)\r\n',
  'FETCH 1:* (FLAGS UID ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.10> BINARY.PEEK[1] BINARY.SIZE[1] RFC822.SIZE)\r\n',
  'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)\r\n',
  'FETCH 2 (BODY[] BODY[1.MIME] BODY[TEXT]<5.7> RFC822.HEADER)\r\n',
  'STORE 1:3 +FLAGS (\\Seen $Fuzz)\r\n',
  'UID STORE 2 (UNCHANGEDSINCE 3) FLAGS.SILENT (\\Deleted)\r\n',
  'SEARCH RETURN (MIN MAX SAVE) OR UNSEEN TEXT fuzz\r\n',
  'SEARCH CHARSET UTF-8 SUBJECT {4+}\r\nfu\xc3\x9f\r\n',
  'UID SEARCH $ NOT DELETED SENTSINCE 1-Jan-2020 LARGER 10 HEADER X-Y z\r\n',
  'SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n',
  'THREAD REFERENCES UTF-8 ALL\r\n',
  'UID THREAD ORDEREDSUBJECT UTF-8 1:*\r\n',
  'COPY 1:2 Archive\r\n',
  'UID MOVE 3 Trash\r\n',
  'EXPUNGE\r\n',
  'UID EXPUNGE 1:*\r\n',
  'APPEND "Fuzz/Box" (\\Seen) {24+}\r\nSubject: fuzz\r\n\r\nbody\r\n\r\n',
  'APPEND INBOX ~{5+}\r\na\0bcd\r\n',
  'CREATE "Fuzz/New"\r\n',
  'RENAME "Fuzz/New" "Fuzz/Newer"\r\n',
  'DELETE "Fuzz/Newer"\r\n',
  'LIST (SUBSCRIBED RECURSIVEMATCH) "" ("*" "%") RETURN (CHILDREN STATUS (MESSAGES SIZE))\r\n',
  'LSUB "" *\r\n',
  'STATUS INBOX (MESSAGES RECENT UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT)\r\n',
  'SUBSCRIBE Nothing\r\n',
  'GETQUOTAROOT INBOX\r\n',
  'ENABLE QRESYNC UTF8=ACCEPT IMAP4rev2\r\n',
  'IDLE\r\nDONE\r\n',
  'NOOP\r\n',
  'CHECK\r\n',
  'CLOSE\r\n',
  'UNSELECT\r\n',
  'NAMESPACE\r\n',
  'ID NIL\r\n',
  'STARTTLS\r\n',
  'AUTHENTICATE PLAIN\r\n*\r\n',
  'SELECT "Fuzz/Box" (QRESYNC (1 1 1:5 (1:2 1:2)))\r\n',
];

const INSERTS = [
  '{5}\r\n',
  '{0+}\r\n',
  '{99999999}\r\n',
  '{3+}\r\n',
  '~{2}\r\n',
  '(',
  ')',
  '"',
  '\\',
  '[',
  ']',
  '<',
  '>',
  ' ',
  '\r\n',
  '\0',
  '*',
  '$',
  ':',
  ',',
  '0',
  '4294967296',
  'NIL',
  '&',
  '\xff',
];

function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

function mutatedCase(random: () => number, tag: string): Buffer {
  if (random() < 0.1) return Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
  const base = Array.from(Buffer.from(`${tag} ${CORPUS[Math.floor(random() * CORPUS.length)]!}`, 'latin1'));
  const rounds = Math.floor(random() * 4);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(random() * (base.length + 1));
    switch (Math.floor(random() * 4)) {
      case 0:
        if (base.length > 0) base[Math.min(at, base.length - 1)] = Math.floor(random() * 256);
        break;
      case 1:
        base.splice(at, Math.floor(random() * 8));
        break;
      case 2:
        base.splice(at, 0, ...Buffer.from(INSERTS[Math.floor(random() * INSERTS.length)]!, 'latin1'));
        break;
      default:
        base.splice(at, 0, ...base.slice(at, at + Math.floor(random() * 20)));
        break;
    }
  }
  return Buffer.from(base);
}

let service: TestService;
let user: ImapTestUser;
const failures: unknown[] = [];
const record = (error: unknown) => failures.push(error);

before(async () => {
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  service = await startImapService();
  user = await createUser(service, 'fuzzing@sealpost.test');
  const setup = await loggedIn(service, user);
  await setup.command('CREATE "Fuzz/Box"');
  for (let i = 0; i < 3; i++) await appendRaw(setup, 'Fuzz/Box', message(`fuzz ${i}`, 'fuzz body'));
  for (let i = 0; i < 3; i++) await appendRaw(setup, 'INBOX', message(`inbox ${i}`));
  setup.close();
});

after(async () => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
  await service.stop();
});

test(`${CASES} mutated command scripts in logged-in sessions crash nothing`, async () => {
  const random = prng(SEED);
  let sent = 0;
  while (sent < CASES) {
    const client = await loggedIn(service, user, random() < 0.7 ? 'Fuzz/Box' : undefined);
    for (let i = 0; i < CASES_PER_CONNECTION && sent < CASES; i++, sent++) {
      const bytes = mutatedCase(random, `f${sent}`);
      // Random splits exercise the receiver's resumption at every boundary.
      let offset = 0;
      while (offset < bytes.length) {
        const size = 1 + Math.floor(random() * 64);
        client.send(bytes.subarray(offset, offset + size));
        offset += size;
      }
    }
    client.send('zz NOOP\r\n');
    // Give the server time to work through what it got; a case that left the session
    // waiting for a literal simply ends with the connection.
    await new Promise((resolve) => setTimeout(resolve, 30));
    client.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(failures, []);
  const clean = await loggedIn(service, user, 'Fuzz/Box');
  assert.match((await clean.command('UID FETCH 1:* (UID FLAGS)')).tagged, / OK /);
  assert.match((await clean.command('NOOP')).tagged, / OK /);
  assert.match((await clean.command('LOGOUT')).tagged, / OK /);
  clean.close();
});
