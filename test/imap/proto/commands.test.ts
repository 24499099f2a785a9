// Table tests: wire text of each command (RFC examples first) to its typed request, and
// malformed commands to their coded errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, parseCommand, requestUsesSequenceNumbers } from '../../../server/imap/proto/commands/index.ts';
import { ProtoError } from '../../../server/imap/proto/errors.ts';
import type { SeqBound, SequenceSet } from '../../../server/imap/proto/seqset.ts';
import { drive, encode, parseLine } from './support.ts';

const set = (...ranges: Array<SeqBound | [SeqBound, SeqBound]>): SequenceSet => ({
  kind: 'ranges',
  ranges: ranges.map((r) => (Array.isArray(r) ? { from: r[0], to: r[1] } : { from: r, to: r })),
});
const simple = (name: string) => ({ kind: 'simple', name });
const noSelection = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
const noReturn = { subscribed: false, children: false, specialUse: false, status: undefined };

const cases: Array<[string, unknown]> = [
  // RFC 3501
  ['a001 CAPABILITY', { name: 'CAPABILITY' }],
  ['a002 NOOP', { name: 'NOOP' }],
  ['A023 LOGOUT', { name: 'LOGOUT' }],
  ['a001 STARTTLS', { name: 'STARTTLS' }],
  ['A001 AUTHENTICATE GSSAPI', { name: 'AUTHENTICATE', mechanism: 'GSSAPI', initialResponse: undefined }],
  ['a001 LOGIN SMITH SESAME', { name: 'LOGIN', username: 'SMITH', password: 'SESAME' }],
  ['a001 login "smith" "se\\"s\\\\ame"', { name: 'LOGIN', username: 'smith', password: 'se"s\\ame' }],
  ['A142 SELECT INBOX', { name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: undefined }],
  ['A142 SELECT inbox', { name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: undefined }],
  ['A142 SELECT inbox/Sub', { name: 'SELECT', mailbox: 'inbox/Sub', condstore: false, qresync: undefined }],
  ['A932 EXAMINE blurdybloop', { name: 'EXAMINE', mailbox: 'blurdybloop', condstore: false, qresync: undefined }],
  ['A003 CREATE owatagusiam/', { name: 'CREATE', mailbox: 'owatagusiam/', specialUse: [] }],
  ['A683 DELETE blurdybloop', { name: 'DELETE', mailbox: 'blurdybloop' }],
  ['A683 RENAME blurdybloop sarasoop', { name: 'RENAME', from: 'blurdybloop', to: 'sarasoop' }],
  ['A002 SUBSCRIBE #news.comp.mail.mime', { name: 'SUBSCRIBE', mailbox: '#news.comp.mail.mime' }],
  ['A002 UNSUBSCRIBE #news.comp.mail.mime', { name: 'UNSUBSCRIBE', mailbox: '#news.comp.mail.mime' }],
  ['A101 LIST "" ""', { name: 'LIST', reference: '', patterns: [''], selection: noSelection, returns: noReturn, extended: false }],
  ['A202 LIST ~/Mail/ %', { name: 'LIST', reference: '~/Mail/', patterns: ['%'], selection: noSelection, returns: noReturn, extended: false }],
  ['A002 LSUB "#news." "comp.mail.*"', { name: 'LSUB', reference: '#news.', pattern: 'comp.mail.*' }],
  ['A042 STATUS blurdybloop (UIDNEXT MESSAGES)', { name: 'STATUS', mailbox: 'blurdybloop', items: ['UIDNEXT', 'MESSAGES'] }],
  ['FXXZ CHECK', { name: 'CHECK' }],
  ['A341 CLOSE', { name: 'CLOSE' }],
  ['A202 EXPUNGE', { name: 'EXPUNGE' }],
  [
    'A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"',
    {
      name: 'SEARCH',
      returnOptions: undefined,
      charset: undefined,
      criteria: {
        type: 'and',
        keys: [
          { type: 'flag', flag: '\\Flagged', set: true },
          { type: 'date', field: 'internal', relation: 'since', date: { year: 1994, month: 2, day: 1 } },
          { type: 'not', key: { type: 'header', field: 'From', value: 'Smith' } },
        ],
      },
    },
  ],
  [
    'A283 SEARCH TEXT "string not in mailbox"',
    { name: 'SEARCH', returnOptions: undefined, charset: undefined, criteria: { type: 'text', value: 'string not in mailbox' } },
  ],
  [
    'A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])',
    {
      name: 'FETCH',
      set: set([2, 4]),
      changedSince: undefined,
      vanished: false,
      attributes: [simple('FLAGS'), { kind: 'body', peek: false, section: { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] }, partial: undefined }],
    },
  ],
  ['A003 STORE 2:4 +FLAGS (\\Deleted)', { name: 'STORE', set: set([2, 4]), unchangedSince: undefined, operation: 'add', silent: false, flags: ['\\Deleted'] }],
  ['A003 COPY 2:4 MEETING', { name: 'COPY', set: set([2, 4]), mailbox: 'MEETING' }],
  [
    'A999 UID FETCH 4827313:4828442 FLAGS',
    { name: 'UID FETCH', set: set([4827313, 4828442]), changedSince: undefined, vanished: false, attributes: [simple('UID'), simple('FLAGS')] },
  ],
  [
    'a FETCH 1 ALL',
    {
      name: 'FETCH',
      set: set(1),
      changedSince: undefined,
      vanished: false,
      attributes: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE'), simple('ENVELOPE')],
    },
  ],
  [
    'a FETCH 1 fast',
    { name: 'FETCH', set: set(1), changedSince: undefined, vanished: false, attributes: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE')] },
  ],
  [
    'a FETCH 1 FULL',
    {
      name: 'FETCH',
      set: set(1),
      changedSince: undefined,
      vanished: false,
      attributes: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE'), simple('ENVELOPE'), simple('BODY')],
    },
  ],
  [
    'a FETCH *:4,7 (RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE BODY BODYSTRUCTURE ENVELOPE INTERNALDATE UID BODY.PEEK[1.2.MIME] BODY[]<0.2048> BODY[3.TEXT] body.peek[header])',
    {
      name: 'FETCH',
      set: set(['*', 4], 7),
      changedSince: undefined,
      vanished: false,
      attributes: [
        simple('RFC822'),
        simple('RFC822.HEADER'),
        simple('RFC822.TEXT'),
        simple('RFC822.SIZE'),
        simple('BODY'),
        simple('BODYSTRUCTURE'),
        simple('ENVELOPE'),
        simple('INTERNALDATE'),
        simple('UID'),
        { kind: 'body', peek: true, section: { part: [1, 2], text: 'MIME', fields: [] }, partial: undefined },
        { kind: 'body', peek: false, section: { part: [], text: undefined, fields: [] }, partial: { offset: 0, length: 2048 } },
        { kind: 'body', peek: false, section: { part: [3], text: 'TEXT', fields: [] }, partial: undefined },
        { kind: 'body', peek: true, section: { part: [], text: 'HEADER', fields: [] }, partial: undefined },
      ],
    },
  ],
  [
    'a FETCH 1 BODY[1.HEADER.FIELDS.NOT ("X-Spam" Received)]',
    {
      name: 'FETCH',
      set: set(1),
      changedSince: undefined,
      vanished: false,
      attributes: [{ kind: 'body', peek: false, section: { part: [1], text: 'HEADER.FIELDS.NOT', fields: ['X-Spam', 'Received'] }, partial: undefined }],
    },
  ],
  // RFC 3516 BINARY
  [
    't FETCH 1 (BINARY[1.2]<0.100> BINARY.PEEK[] BINARY.SIZE[1])',
    {
      name: 'FETCH',
      set: set(1),
      changedSince: undefined,
      vanished: false,
      attributes: [
        { kind: 'binary', peek: false, part: [1, 2], partial: { offset: 0, length: 100 } },
        { kind: 'binary', peek: true, part: [], partial: undefined },
        { kind: 'binary-size', part: [1] },
      ],
    },
  ],
  // RFC 4315 UIDPLUS
  ['A003 UID EXPUNGE 3000:3002', { name: 'UID EXPUNGE', set: set([3000, 3002]) }],
  ['a UID COPY 1:* Trash', { name: 'UID COPY', set: set([1, '*']), mailbox: 'Trash' }],
  // RFC 6851 MOVE
  ['a UID MOVE 42:69 foo', { name: 'UID MOVE', set: set([42, 69]), mailbox: 'foo' }],
  ['a MOVE 1 "Sent Items"', { name: 'MOVE', set: set(1), mailbox: 'Sent Items' }],
  // RFC 7162 CONDSTORE / QRESYNC
  ['a103 SELECT INBOX (CONDSTORE)', { name: 'SELECT', mailbox: 'INBOX', condstore: true, qresync: undefined }],
  [
    's100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)',
    { name: 'UID FETCH', set: set([1, '*']), changedSince: 12345n, vanished: false, attributes: [simple('UID'), simple('FLAGS'), simple('MODSEQ')] },
  ],
  [
    's100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)',
    { name: 'UID FETCH', set: set([300, 500]), changedSince: 12345n, vanished: true, attributes: [simple('UID'), simple('FLAGS'), simple('MODSEQ')] },
  ],
  [
    'd105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)',
    { name: 'STORE', set: set(7, 5, 9), unchangedSince: 320162338n, operation: 'add', silent: true, flags: ['\\Deleted'] },
  ],
  [
    'a STORE 1 -FLAGS.SILENT \\Seen $Junk',
    { name: 'STORE', set: set(1), unchangedSince: undefined, operation: 'remove', silent: true, flags: ['\\Seen', '$Junk'] },
  ],
  ['a UID STORE 1 FLAGS ()', { name: 'UID STORE', set: set(1), unchangedSince: undefined, operation: 'replace', silent: false, flags: [] }],
  [
    'a SEARCH MODSEQ "/flags/\\\\draft" all 620162338',
    {
      name: 'SEARCH',
      returnOptions: undefined,
      charset: undefined,
      criteria: { type: 'modseq', modSeq: 620162338n, entry: { name: '/flags/\\draft', scope: 'all' } },
    },
  ],
  [
    'A03 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))',
    {
      name: 'SELECT',
      mailbox: 'INBOX',
      condstore: false,
      qresync: { uidValidity: 67890007, modSeq: 20050715194045000n, knownUids: set(41, [43, 211], [214, 541]), sequenceMatch: undefined },
    },
  ],
  [
    'B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973)))',
    {
      name: 'SELECT',
      mailbox: 'INBOX',
      condstore: false,
      qresync: {
        uidValidity: 67890007,
        modSeq: 90060115194045000n,
        knownUids: set([1, 29997]),
        sequenceMatch: { sequenceNumbers: set(5000, 7500, 9000, [9990, 9999]), uids: set(15000, 22500, 27000, 29970, 29973) },
      },
    },
  ],
  [
    'a EXAMINE INBOX (QRESYNC (1 2))',
    { name: 'EXAMINE', mailbox: 'INBOX', condstore: false, qresync: { uidValidity: 1, modSeq: 2n, knownUids: undefined, sequenceMatch: undefined } },
  ],
  // RFC 5161 ENABLE, RFC 2971 ID, RFC 2342 NAMESPACE, RFC 3691 UNSELECT, RFC 2177 IDLE, RFC 4978 COMPRESS
  ['t1 ENABLE CONDSTORE X-GOOD-IDEA', { name: 'ENABLE', capabilities: ['CONDSTORE', 'X-GOOD-IDEA'] }],
  ['a ENABLE utf8=accept', { name: 'ENABLE', capabilities: ['UTF8=ACCEPT'] }],
  [
    'a023 ID ("name" "sodr" "version" "19.34" "vendor" NIL)',
    {
      name: 'ID',
      parameters: [
        ['name', 'sodr'],
        ['version', '19.34'],
        ['vendor', null],
      ],
    },
  ],
  ['a ID NIL', { name: 'ID', parameters: null }],
  ['a ID ()', { name: 'ID', parameters: [] }],
  ['A001 NAMESPACE', { name: 'NAMESPACE' }],
  ['a UNSELECT', { name: 'UNSELECT' }],
  ['a IDLE', { name: 'IDLE' }],
  ['a COMPRESS DEFLATE', { name: 'COMPRESS', algorithm: 'DEFLATE' }],
  // RFC 4959 SASL-IR, AUTH=PLAIN
  ['a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==', { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: encode('\0alice\0secret') }],
  ['a AUTHENTICATE plain =', { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: new Uint8Array(0) }],
  // RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE
  [
    'A02 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)',
    {
      name: 'LIST',
      reference: '',
      patterns: ['%'],
      extended: true,
      selection: { subscribed: true, remote: false, recursiveMatch: true, specialUse: false },
      returns: { subscribed: false, children: true, specialUse: false, status: undefined },
    },
  ],
  [
    'A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN SIZE))',
    {
      name: 'LIST',
      reference: '',
      patterns: ['%'],
      extended: true,
      selection: noSelection,
      returns: { subscribed: false, children: false, specialUse: false, status: ['MESSAGES', 'UNSEEN', 'SIZE'] },
    },
  ],
  [
    't1 LIST "" ("%" "Archive/*") RETURN (SPECIAL-USE SUBSCRIBED)',
    {
      name: 'LIST',
      reference: '',
      patterns: ['%', 'Archive/*'],
      extended: true,
      selection: noSelection,
      returns: { subscribed: true, children: false, specialUse: true, status: undefined },
    },
  ],
  [
    't2 LIST (SPECIAL-USE) "" "*"',
    { name: 'LIST', reference: '', patterns: ['*'], extended: true, selection: { ...noSelection, specialUse: true }, returns: noReturn },
  ],
  ['t3 CREATE MySpecial (USE (\\drafts \\Sent))', { name: 'CREATE', mailbox: 'MySpecial', specialUse: ['\\Drafts', '\\Sent'] }],
  // STATUS extensions
  [
    'a STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT MESSAGES)',
    { name: 'STATUS', mailbox: 'INBOX', items: ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'HIGHESTMODSEQ', 'APPENDLIMIT'] },
  ],
  // RFC 9208 QUOTA
  ['G0001 GETQUOTA "!partition/sda4"', { name: 'GETQUOTA', root: '!partition/sda4' }],
  ['A003 GETQUOTAROOT INBOX', { name: 'GETQUOTAROOT', mailbox: 'INBOX' }],
  [
    'S0000 SETQUOTA "#user/alice" (STORAGE 510 message 1000)',
    {
      name: 'SETQUOTA',
      root: '#user/alice',
      limits: [
        { resource: 'STORAGE', limit: 510 },
        { resource: 'MESSAGE', limit: 1000 },
      ],
    },
  ],
  ['S0001 SETQUOTA "" ()', { name: 'SETQUOTA', root: '', limits: [] }],
  // RFC 4731 ESEARCH, RFC 5182 SEARCHRES
  [
    'A282 SEARCH RETURN (MIN COUNT) FLAGGED',
    {
      name: 'SEARCH',
      returnOptions: { min: true, max: false, all: false, count: true, save: false },
      charset: undefined,
      criteria: { type: 'flag', flag: '\\Flagged', set: true },
    },
  ],
  [
    'A282 UID SEARCH RETURN () UNDELETED',
    {
      name: 'UID SEARCH',
      returnOptions: { min: false, max: false, all: true, count: false, save: false },
      charset: undefined,
      criteria: { type: 'flag', flag: '\\Deleted', set: false },
    },
  ],
  [
    'A282 SEARCH RETURN (SAVE) NEW',
    { name: 'SEARCH', returnOptions: { min: false, max: false, all: false, count: false, save: true }, charset: undefined, criteria: { type: 'new' } },
  ],
  [
    'A283 FETCH $ (UID FLAGS)',
    { name: 'FETCH', set: { kind: 'saved' }, changedSince: undefined, vanished: false, attributes: [simple('UID'), simple('FLAGS')] },
  ],
  ['A284 UID COPY $ Other', { name: 'UID COPY', set: { kind: 'saved' }, mailbox: 'Other' }],
  [
    'a SEARCH OR (SEEN UNFLAGGED) NOT (KEYWORD $Junk LARGER 1000) UID 1:5 2,4:* SMALLER 20 OLD RECENT ANSWERED UNANSWERED DRAFT UNDRAFT DELETED UNKEYWORD foo ALL',
    {
      name: 'SEARCH',
      returnOptions: undefined,
      charset: undefined,
      criteria: {
        type: 'and',
        keys: [
          {
            type: 'or',
            left: {
              type: 'and',
              keys: [
                { type: 'flag', flag: '\\Seen', set: true },
                { type: 'flag', flag: '\\Flagged', set: false },
              ],
            },
            right: {
              type: 'not',
              key: {
                type: 'and',
                keys: [
                  { type: 'keyword', keyword: '$Junk', set: true },
                  { type: 'size', relation: 'larger', size: 1000 },
                ],
              },
            },
          },
          { type: 'uid', set: set([1, 5]) },
          { type: 'sequence', set: set(2, [4, '*']) },
          { type: 'size', relation: 'smaller', size: 20 },
          { type: 'recent', set: false },
          { type: 'recent', set: true },
          { type: 'flag', flag: '\\Answered', set: true },
          { type: 'flag', flag: '\\Answered', set: false },
          { type: 'flag', flag: '\\Draft', set: true },
          { type: 'flag', flag: '\\Draft', set: false },
          { type: 'flag', flag: '\\Deleted', set: true },
          { type: 'keyword', keyword: 'foo', set: false },
          { type: 'all' },
        ],
      },
    },
  ],
  [
    'a SEARCH BCC x CC "y" TO z SUBJECT "" HEADER X-Mailer "" BODY b BEFORE 1-Jan-2000 ON "02-Feb-2001" SENTBEFORE 3-Mar-2002 SENTON 4-Apr-2003 SENTSINCE 5-May-2004',
    {
      name: 'SEARCH',
      returnOptions: undefined,
      charset: undefined,
      criteria: {
        type: 'and',
        keys: [
          { type: 'header', field: 'Bcc', value: 'x' },
          { type: 'header', field: 'Cc', value: 'y' },
          { type: 'header', field: 'To', value: 'z' },
          { type: 'header', field: 'Subject', value: '' },
          { type: 'header', field: 'X-Mailer', value: '' },
          { type: 'body', value: 'b' },
          { type: 'date', field: 'internal', relation: 'before', date: { year: 2000, month: 1, day: 1 } },
          { type: 'date', field: 'internal', relation: 'on', date: { year: 2001, month: 2, day: 2 } },
          { type: 'date', field: 'sent', relation: 'before', date: { year: 2002, month: 3, day: 3 } },
          { type: 'date', field: 'sent', relation: 'on', date: { year: 2003, month: 4, day: 4 } },
          { type: 'date', field: 'sent', relation: 'since', date: { year: 2004, month: 5, day: 5 } },
        ],
      },
    },
  ],
  ['a SEARCH CHARSET us-ascii TEXT x', { name: 'SEARCH', returnOptions: undefined, charset: 'US-ASCII', criteria: { type: 'text', value: 'x' } }],
  [
    'a SEARCH CHARSET ISO-8859-1 SUBJECT "caf\xe9"',
    { name: 'SEARCH', returnOptions: undefined, charset: 'ISO-8859-1', criteria: { type: 'header', field: 'Subject', value: 'cafÃ©' } },
  ],
  // RFC 5256 SORT / THREAD
  [
    'A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL',
    {
      name: 'SORT',
      sortBy: [
        { key: 'SUBJECT', reverse: false },
        { key: 'DATE', reverse: true },
      ],
      charset: 'UTF-8',
      criteria: { type: 'all' },
    },
  ],
  [
    'A284 UID SORT (ARRIVAL) US-ASCII TEXT "not in mailbox"',
    { name: 'UID SORT', sortBy: [{ key: 'ARRIVAL', reverse: false }], charset: 'US-ASCII', criteria: { type: 'text', value: 'not in mailbox' } },
  ],
  [
    'A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000',
    {
      name: 'THREAD',
      algorithm: 'ORDEREDSUBJECT',
      charset: 'UTF-8',
      criteria: { type: 'date', field: 'internal', relation: 'since', date: { year: 2000, month: 3, day: 5 } },
    },
  ],
  ['A284 UID THREAD REFERENCES US-ASCII ALL', { name: 'UID THREAD', algorithm: 'REFERENCES', charset: 'US-ASCII', criteria: { type: 'all' } }],
  // RFC 9051 (IMAP4rev2)
  ['A001 ENABLE IMAP4rev2', { name: 'ENABLE', capabilities: ['IMAP4REV2'] }],
  [
    'A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"',
    {
      name: 'SEARCH',
      returnOptions: { min: false, max: false, all: true, count: false, save: false },
      charset: undefined,
      criteria: {
        type: 'and',
        keys: [
          { type: 'flag', flag: '\\Flagged', set: true },
          { type: 'date', field: 'internal', relation: 'since', date: { year: 1994, month: 2, day: 1 } },
          { type: 'not', key: { type: 'header', field: 'From', value: 'Smith' } },
        ],
      },
    },
  ],
  ['A042 STATUS blurdybloop (UIDNEXT MESSAGES DELETED SIZE)', { name: 'STATUS', mailbox: 'blurdybloop', items: ['UIDNEXT', 'MESSAGES', 'DELETED', 'SIZE'] }],
  ['A202 UID EXPUNGE 3000:3002,3005', { name: 'UID EXPUNGE', set: set([3000, 3002], 3005) }],
  [
    'a LIST "" "INBOX/%" RETURN (SUBSCRIBED)',
    { name: 'LIST', reference: '', patterns: ['INBOX/%'], extended: true, selection: noSelection, returns: { ...noReturn, subscribed: true } },
  ],
  // Mailbox names: modified UTF-7 decoded, [brackets] in atoms
  ['a SELECT "Entw&APw-rfe"', { name: 'SELECT', mailbox: 'Entwürfe', condstore: false, qresync: undefined }],
  ['a SELECT [Gmail]/Sent', { name: 'SELECT', mailbox: '[Gmail]/Sent', condstore: false, qresync: undefined }],
  ['a DELETE "a&-b"', { name: 'DELETE', mailbox: 'a&b' }],
];

describe('commands: wire text to typed arguments', () => {
  for (const [line, expected] of cases) {
    test(line, () => {
      const result = parseLine(line);
      if (result instanceof ProtoError) assert.fail(`${line}: ${result.code} ${result.message}`);
      assert.deepEqual(result, expected);
    });
  }
});

describe('commands: UTF8=ACCEPT mailbox names', () => {
  test('UTF-8 names are taken as they are, "&" included', () => {
    assert.deepEqual(parseLine('a CREATE "Entwürfe&Co"', true), { name: 'CREATE', mailbox: 'Entwürfe&Co', specialUse: [] });
  });
  test('without UTF8=ACCEPT an 8-bit name is refused', () => {
    const r = parseLine('a CREATE "Entwürfe"');
    assert.ok(r instanceof ProtoError);
    assert.equal(r.code, 'INVALID_MAILBOX_NAME');
  });
  test('invalid UTF-8 under UTF8=ACCEPT is refused', () => {
    const events = drive([new Uint8Array([...encode('a CREATE "x'), 0xc3, 0x28, ...encode('"\r\n')])], { utf8Accept: true });
    assert.deepEqual(events, [{ kind: 'error', code: 'INVALID_MAILBOX_NAME', tag: 'a' }]);
  });
});

const errors: Array<[string, string]> = [
  ['a SELECT', 'SYNTAX'],
  ['a NOOP extra', 'SYNTAX'],
  ['a FOO', 'UNKNOWN_COMMAND'],
  ['a UID FOO 1', 'UNKNOWN_COMMAND'],
  ['a UID', 'UNKNOWN_COMMAND'],
  ['a', 'SYNTAX'],
  ['a FETCH 0 FLAGS', 'INVALID_SEQUENCE_SET'],
  ['a FETCH 1:x FLAGS', 'INVALID_SEQUENCE_SET'],
  ['a FETCH , FLAGS', 'INVALID_SEQUENCE_SET'],
  ['a FETCH 1, FLAGS', 'INVALID_SEQUENCE_SET'],
  ['a FETCH 4294967296 FLAGS', 'INVALID_SEQUENCE_SET'],
  ['a FETCH abc FLAGS', 'INVALID_SEQUENCE_SET'],
  ['a FETCH 1 (FLAGS', 'SYNTAX'],
  ['a FETCH 1 FLAGS)', 'SYNTAX'],
  ['a FETCH 1 ()', 'SYNTAX'],
  ['a FETCH 1 FOO', 'SYNTAX'],
  ['a FETCH 1 BODY[HEADER.FIELDS ()]', 'SYNTAX'],
  ['a FETCH 1 BODY[MIME]', 'SYNTAX'],
  ['a FETCH 1 BODY[1.]', 'SYNTAX'],
  ['a FETCH 1 BODY[0]', 'SYNTAX'],
  ['a FETCH 1 BODY[]<5>', 'SYNTAX'],
  ['a FETCH 1 BODY[]<0.0>', 'INVALID_NUMBER'],
  ['a FETCH 1 BINARY.SIZE[1]<0.1>', 'SYNTAX'],
  ['a FETCH 1 BODY[TEXT', 'SYNTAX'],
  ['a FETCH 1 (FLAGS) (VANISHED)', 'SYNTAX'],
  ['a UID FETCH 1 (FLAGS) (VANISHED)', 'SYNTAX'],
  ['a FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)', 'SYNTAX'],
  ['a FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775808)', 'INVALID_NUMBER'],
  ['a STORE 1 FLAGS \\Recent', 'INVALID_FLAG'],
  ['a STORE 1 FLAGS (\\Seen foo%bar)', 'INVALID_FLAG'],
  ['a STORE 1 XFLAGS \\Seen', 'SYNTAX'],
  ['a STORE 1 FLAGS', 'SYNTAX'],
  ['a SELECT &Jjo', 'INVALID_MAILBOX_NAME'],
  ['a SELECT INBOX (FOO)', 'SYNTAX'],
  ['a SELECT INBOX (CONDSTORE CONDSTORE)', 'SYNTAX'],
  ['a SELECT INBOX (QRESYNC (0 1))', 'INVALID_NUMBER'],
  ['a SELECT *', 'SYNTAX'],
  ['a SEARCH', 'SYNTAX'],
  ['a SEARCH FOO', 'SYNTAX'],
  ['a SEARCH CHARSET X-NO-SUCH-CHARSET TEXT "x"', 'BAD_CHARSET'],
  ['a SEARCH RETURN (FOO) ALL', 'SYNTAX'],
  ['a SEARCH SINCE 31-Feb-2000', 'INVALID_DATE'],
  ['a SEARCH SINCE 1-Foo-2000', 'INVALID_DATE'],
  ['a SEARCH LARGER x', 'INVALID_NUMBER'],
  ['a SEARCH OR ALL', 'SYNTAX'],
  ['a SEARCH ()', 'SYNTAX'],
  [`a SEARCH ${'NOT '.repeat(70)}ALL`, 'NESTING_TOO_DEEP'],
  ['a SORT (FOO) UTF-8 ALL', 'SYNTAX'],
  ['a SORT () UTF-8 ALL', 'SYNTAX'],
  // SORT requires a charset: ALL is read as one, and is unknown.
  ['a SORT (DATE) ALL', 'BAD_CHARSET'],
  ['a THREAD FOO UTF-8 ALL', 'SYNTAX'],
  ['a LIST (RECURSIVEMATCH) "" "*"', 'SYNTAX'],
  ['a LIST (FOO) "" "*"', 'SYNTAX'],
  ['a LIST "" "*" RETURN (FOO)', 'SYNTAX'],
  ['a LIST "" "*" FOO ()', 'SYNTAX'],
  ['a STATUS INBOX ()', 'SYNTAX'],
  ['a STATUS INBOX (FOO)', 'SYNTAX'],
  ['a CREATE x (USE (Drafts))', 'INVALID_FLAG'],
  ['a ID ("a")', 'SYNTAX'],
  [`a ID (${'"k" "v" '.repeat(31).trim()})`, 'SYNTAX'],
  ['a AUTHENTICATE PLAIN AGFsaWNl$', 'INVALID_BASE64'],
  ['a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA=', 'INVALID_BASE64'],
  ['a SETQUOTA "" (STORAGE)', 'SYNTAX'],
  ['a SETQUOTA "" (STORAGE 1 STORAGE 2)', 'SYNTAX'],
  ['a LOGIN alice', 'SYNTAX'],
  ['a LOGIN "alice" (x)', 'SYNTAX'],
  ['a ENABLE', 'SYNTAX'],
  ['a COPY 1', 'SYNTAX'],
  ['a UID EXPUNGE', 'SYNTAX'],
  ['a SEARCH "unterminated', 'SYNTAX'],
  ['a SEARCH "bad\\escape"', 'SYNTAX'],
  ['a SEARCH TEXT"x"', 'SYNTAX'],
  ['a EXAMINE x\x01y', 'SYNTAX'],
  ['+ NOOP', 'INVALID_TAG'],
  ['"a" NOOP', 'INVALID_TAG'],
  ['a* NOOP', 'INVALID_TAG'],
];

describe('commands: malformed input gives coded errors', () => {
  for (const [line, code] of errors) {
    test(JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}...` : line), () => {
      const result = parseLine(line);
      assert.ok(result instanceof ProtoError, `expected ${code}, got a request`);
      assert.equal(result.code, code);
    });
  }
  test('errors carry the tag when it was read, none otherwise', () => {
    const tagged = parseLine('x17 FETCH 0 FLAGS');
    assert.ok(tagged instanceof ProtoError && tagged.tag === 'x17');
    const untagged = parseLine('"x" NOOP');
    assert.ok(untagged instanceof ProtoError && untagged.tag === undefined);
  });
});

describe('command table', () => {
  test('every command declares grammar, states and sequence-number flags', () => {
    const names = [...COMMANDS.keys()].sort();
    assert.deepEqual(names, [
      'APPEND',
      'AUTHENTICATE',
      'CAPABILITY',
      'CHECK',
      'CLOSE',
      'COMPRESS',
      'COPY',
      'CREATE',
      'DELETE',
      'ENABLE',
      'EXAMINE',
      'EXPUNGE',
      'FETCH',
      'GETQUOTA',
      'GETQUOTAROOT',
      'ID',
      'IDLE',
      'LIST',
      'LOGIN',
      'LOGOUT',
      'LSUB',
      'MOVE',
      'NAMESPACE',
      'NOOP',
      'RENAME',
      'SEARCH',
      'SELECT',
      'SETQUOTA',
      'SORT',
      'STARTTLS',
      'STATUS',
      'STORE',
      'SUBSCRIBE',
      'THREAD',
      'UID COPY',
      'UID EXPUNGE',
      'UID FETCH',
      'UID MOVE',
      'UID SEARCH',
      'UID SORT',
      'UID STORE',
      'UID THREAD',
      'UNSELECT',
      'UNSUBSCRIBE',
    ]);
    for (const spec of COMMANDS.values()) {
      assert.match(spec.grammar, new RegExp(`^tag ${spec.name.replace(' ', ' ')}\\b`));
      assert.ok(spec.states.length > 0 && !spec.states.includes('logout'));
    }
    const seq = (name: string) => COMMANDS.get(name)!.usesSequenceNumbers;
    assert.deepEqual(['FETCH', 'STORE', 'SEARCH', 'COPY', 'MOVE', 'SORT', 'THREAD'].map(seq), Array(7).fill(true));
    assert.deepEqual(['UID FETCH', 'UID STORE', 'UID SEARCH', 'UID COPY', 'UID MOVE', 'NOOP', 'IDLE'].map(seq), Array(7).fill(false));
    const expunges = [...COMMANDS.values()]
      .filter((s) => s.expunges)
      .map((s) => s.name)
      .sort();
    assert.deepEqual(expunges, ['CLOSE', 'EXPUNGE', 'MOVE', 'UID EXPUNGE', 'UID MOVE']);
    assert.deepEqual(COMMANDS.get('LOGIN')!.states, ['not-authenticated']);
    assert.deepEqual(COMMANDS.get('FETCH')!.states, ['selected']);
  });

  test('UID SEARCH uses sequence numbers only when a key names them', () => {
    const uses = (line: string): boolean => {
      const args = line.split(' ').map((value) => ({ kind: 'atom' as const, value }));
      const parsed = parseCommand(args, { utf8Accept: false });
      assert.ok(!(parsed instanceof ProtoError));
      return requestUsesSequenceNumbers(parsed.spec, parsed.request);
    };
    assert.equal(uses('a UID SEARCH UID 1:5'), false);
    assert.equal(uses('a UID SEARCH NOT 1:5'), true);
    assert.equal(uses('a UID THREAD REFERENCES UTF-8 OR SEEN 3'), true);
    assert.equal(uses('a SEARCH UID 1'), true);
  });
});
