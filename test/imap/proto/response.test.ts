// The serialiser: typed responses to exact bytes, including RFC examples, string-form
// choices, mailbox name encoding and payloads handed through without copying.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkBytes, responseForError, serializeResponse, serializeToBytes, type Response } from '../../../server/imap/proto/response.ts';
import { ProtoError } from '../../../server/imap/proto/errors.ts';
import { decode, encode } from './support.ts';

const wire = (r: Response, utf8Accept = false): string => decode(serializeToBytes(r, { utf8Accept }));
const str = (value: string | Uint8Array) => ({ type: 'string' as const, value });
const nil = { type: 'nil' as const };

const cases: Array<[Response, string]> = [
  [{ type: 'tagged', tag: 'A142', status: 'OK', code: { code: 'READ-WRITE' }, text: 'SELECT completed' }, 'A142 OK [READ-WRITE] SELECT completed\r\n'],
  [{ type: 'status', status: 'OK', code: { code: 'UIDVALIDITY', value: 3857529045 }, text: 'UIDs valid' }, '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n'],
  [{ type: 'status', status: 'OK', code: { code: 'UIDNEXT', value: 4392 }, text: 'Predicted next UID' }, '* OK [UIDNEXT 4392] Predicted next UID\r\n'],
  [
    { type: 'status', status: 'OK', code: { code: 'UNSEEN', value: 12 }, text: 'Message 12 is first unseen' },
    '* OK [UNSEEN 12] Message 12 is first unseen\r\n',
  ],
  [
    { type: 'status', status: 'OK', code: { code: 'PERMANENTFLAGS', flags: ['\\Deleted', '\\Seen', '\\*'] }, text: 'Limited' },
    '* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n',
  ],
  [{ type: 'status', status: 'OK', code: { code: 'HIGHESTMODSEQ', value: 715194045007n }, text: 'Highest' }, '* OK [HIGHESTMODSEQ 715194045007] Highest\r\n'],
  [{ type: 'status', status: 'OK', code: { code: 'CLOSED' }, text: 'Previous mailbox closed' }, '* OK [CLOSED] Previous mailbox closed\r\n'],
  [{ type: 'status', status: 'BYE', text: 'Logging out' }, '* BYE Logging out\r\n'],
  [
    { type: 'tagged', tag: 'A003', status: 'OK', code: { code: 'APPENDUID', uidValidity: 38505, uids: [3955] }, text: 'APPEND completed' },
    'A003 OK [APPENDUID 38505 3955] APPEND completed\r\n',
  ],
  [
    {
      type: 'tagged',
      tag: 'A004',
      status: 'OK',
      code: { code: 'COPYUID', uidValidity: 38505, sourceUids: [304, 319, 320], destinationUids: [3956, 3957, 3958] },
      text: 'Done',
    },
    'A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n',
  ],
  [
    { type: 'tagged', tag: 'd105', status: 'OK', code: { code: 'MODIFIED', numbers: [7, 9] }, text: 'Conditional STORE failed' },
    'd105 OK [MODIFIED 7,9] Conditional STORE failed\r\n',
  ],
  [
    { type: 'tagged', tag: 'a', status: 'NO', code: { code: 'BADCHARSET', charsets: ['UTF-8', 'US-ASCII'] }, text: 'Unsupported' },
    'a NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported\r\n',
  ],
  [
    { type: 'tagged', tag: 'a', status: 'NO', code: { code: 'CAPABILITY', capabilities: ['IMAP4rev1', 'IMAP4rev2', 'AUTH=PLAIN'] }, text: 'x' },
    'a NO [CAPABILITY IMAP4rev1 IMAP4rev2 AUTH=PLAIN] x\r\n',
  ],
  ...(
    [
      'TRYCREATE',
      'NONEXISTENT',
      'ALREADYEXISTS',
      'ALERT',
      'NOMODSEQ',
      'READ-ONLY',
      'OVERQUOTA',
      'LIMIT',
      'INUSE',
      'AUTHENTICATIONFAILED',
      'UNAVAILABLE',
      'PRIVACYREQUIRED',
      'CANNOT',
      'SERVERBUG',
      'TOOBIG',
      'COMPRESSIONACTIVE',
      'CLIENTBUG',
      'CONTACTADMIN',
      'EXPUNGEISSUED',
    ] as const
  ).map((code): [Response, string] => [{ type: 'tagged', tag: 't', status: 'NO', code: { code }, text: 'no' }, `t NO [${code}] no\r\n`]),
  [{ type: 'tagged', tag: 'a', status: 'BAD', text: 'line\r\nbreak\u0000and ü' }, 'a BAD line  break and ?\r\n'],
  [{ type: 'continuation', text: 'Ready for literal' }, '+ Ready for literal\r\n'],
  [{ type: 'challenge', data: new Uint8Array(0) }, '+ \r\n'],
  [{ type: 'challenge', data: encode('hello') }, '+ aGVsbG8=\r\n'],
  [{ type: 'capability', capabilities: ['IMAP4rev1', 'LITERAL+', 'IDLE', 'UTF8=ACCEPT'] }, '* CAPABILITY IMAP4rev1 LITERAL+ IDLE UTF8=ACCEPT\r\n'],
  [{ type: 'flags', flags: ['\\Answered', '\\Flagged', '$Forwarded'] }, '* FLAGS (\\Answered \\Flagged $Forwarded)\r\n'],
  [{ type: 'exists', count: 172 }, '* 172 EXISTS\r\n'],
  [{ type: 'recent', count: 1 }, '* 1 RECENT\r\n'],
  [{ type: 'expunge', seq: 3 }, '* 3 EXPUNGE\r\n'],
  [{ type: 'vanished', earlier: true, uids: [41, 43, 44, 45, 116, 115] }, '* VANISHED (EARLIER) 41,43:45,115:116\r\n'],
  [{ type: 'vanished', earlier: false, uids: [405] }, '* VANISHED 405\r\n'],
  [{ type: 'search', numbers: [2, 84, 882] }, '* SEARCH 2 84 882\r\n'],
  [{ type: 'search', numbers: [] }, '* SEARCH\r\n'],
  [{ type: 'search', numbers: [2, 5, 6], modSeq: 917162500n }, '* SEARCH 2 5 6 (MODSEQ 917162500)\r\n'],
  [{ type: 'sort', numbers: [5, 3, 4, 1, 2] }, '* SORT 5 3 4 1 2\r\n'],
  [{ type: 'esearch', tag: 'A285', uid: true, min: 7, max: 3800 }, '* ESEARCH (TAG "A285") UID MIN 7 MAX 3800\r\n'],
  [{ type: 'esearch', tag: 'A284', uid: false, all: [], count: 0 }, '* ESEARCH (TAG "A284") COUNT 0\r\n'],
  [{ type: 'esearch', tag: 'a', uid: false, all: [1, 2, 3, 10], count: 4, modSeq: 9n }, '* ESEARCH (TAG "a") ALL 1:3,10 COUNT 4 MODSEQ 9\r\n'],
  [
    {
      type: 'thread',
      threads: [
        { id: 2, children: [] },
        {
          id: 3,
          children: [
            {
              id: 6,
              children: [
                { id: 4, children: [{ id: 23, children: [] }] },
                { id: 44, children: [{ id: 7, children: [{ id: 96, children: [] }] }] },
              ],
            },
          ],
        },
      ],
    },
    '* THREAD (2)(3 6 (4 23)(44 7 96))\r\n',
  ],
  [
    {
      type: 'thread',
      threads: [
        {
          id: null,
          children: [
            { id: 3, children: [] },
            { id: 5, children: [] },
          ],
        },
      ],
    },
    '* THREAD ((3)(5))\r\n',
  ],
  [{ type: 'thread', threads: [] }, '* THREAD\r\n'],
  [{ type: 'list', attributes: ['\\Noselect'], delimiter: '/', mailbox: '' }, '* LIST (\\Noselect) "/" ""\r\n'],
  [{ type: 'list', attributes: [], delimiter: '.', mailbox: '#news.comp.mail.misc' }, '* LIST () "." #news.comp.mail.misc\r\n'],
  [
    { type: 'list', attributes: ['\\HasNoChildren', '\\Drafts'], delimiter: '/', mailbox: 'Entwürfe' },
    '* LIST (\\HasNoChildren \\Drafts) "/" Entw&APw-rfe\r\n',
  ],
  [{ type: 'list', attributes: [], delimiter: '/', mailbox: 'Entwürfe' }, '* LIST () "/" "Entwürfe"\r\n'],
  [
    { type: 'list', attributes: ['\\NonExistent'], delimiter: '/', mailbox: 'Foo', childInfo: ['SUBSCRIBED'] },
    '* LIST (\\NonExistent) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))\r\n',
  ],
  [{ type: 'list', attributes: [], delimiter: '/', mailbox: 'New', oldName: 'Old Name' }, '* LIST () "/" New ("OLDNAME" ("Old Name"))\r\n'],
  [{ type: 'list', attributes: [], delimiter: null, mailbox: 'NIL' }, '* LIST () NIL "NIL"\r\n'],
  [{ type: 'list', attributes: [], delimiter: '\\', mailbox: 'a%b' }, '* LIST () "\\\\" "a%b"\r\n'],
  [{ type: 'lsub', attributes: [], delimiter: '.', mailbox: '#news.comp.mail.mime' }, '* LSUB () "." #news.comp.mail.mime\r\n'],
  [{ type: 'status-data', mailbox: 'blurdybloop', values: { MESSAGES: 231, UIDNEXT: 44292 } }, '* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n'],
  [
    {
      type: 'status-data',
      mailbox: 'INBOX',
      values: { APPENDLIMIT: null, SIZE: 1234567890123, HIGHESTMODSEQ: 5n, DELETED: 0, RECENT: 1, UIDVALIDITY: 9, UNSEEN: 2 },
    },
    '* STATUS INBOX (RECENT 1 UIDVALIDITY 9 UNSEEN 2 DELETED 0 SIZE 1234567890123 HIGHESTMODSEQ 5 APPENDLIMIT NIL)\r\n',
  ],
  [{ type: 'namespace', personal: [{ prefix: '', delimiter: '/' }], otherUsers: null, shared: null }, '* NAMESPACE (("" "/")) NIL NIL\r\n'],
  [
    {
      type: 'namespace',
      personal: [{ prefix: '', delimiter: '/' }],
      otherUsers: [{ prefix: '~', delimiter: '/' }],
      shared: [{ prefix: '#shared/', delimiter: '/' }],
    },
    '* NAMESPACE (("" "/")) ((~ "/")) ((#shared/ "/"))\r\n',
  ],
  [
    {
      type: 'id',
      parameters: [
        ['name', 'Sealpost'],
        ['version', null],
      ],
    },
    '* ID ("name" "Sealpost" "version" NIL)\r\n',
  ],
  [{ type: 'id', parameters: null }, '* ID NIL\r\n'],
  [{ type: 'enabled', capabilities: ['CONDSTORE', 'QRESYNC'] }, '* ENABLED CONDSTORE QRESYNC\r\n'],
  [{ type: 'quota', root: '', resources: [{ name: 'STORAGE', usage: 10, limit: 512 }] }, '* QUOTA "" (STORAGE 10 512)\r\n'],
  [{ type: 'quotaroot', mailbox: 'INBOX', roots: [''] }, '* QUOTAROOT INBOX ""\r\n'],
  [
    {
      type: 'fetch',
      seq: 12,
      items: [
        { item: 'FLAGS', flags: ['\\Seen'] },
        { item: 'INTERNALDATE', timestamp: Date.UTC(1996, 6, 17, 9, 44, 25), offsetMinutes: -420 },
        { item: 'RFC822.SIZE', size: 4286 },
        { item: 'UID', uid: 99 },
        { item: 'MODSEQ', modSeq: 624140003n },
      ],
    },
    '* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 UID 99 MODSEQ (624140003))\r\n',
  ],
  [
    {
      type: 'fetch',
      seq: 1,
      items: [
        {
          item: 'ENVELOPE',
          value: [
            str('Wed, 17 Jul 1996 02:23:25 -0700 (PDT)'),
            str('IMAP4rev1 WG mtg summary and minutes'),
            [[str('Terry Gray'), nil, str('gray'), str('cac.washington.edu')]],
            nil,
            [[nil, nil, str('imap'), str('cac.washington.edu')]],
            nil,
            str('<B27397-0100000@cac.washington.edu>'),
          ],
        },
      ],
    },
    '* 1 FETCH (ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) NIL ((NIL NIL "imap" "cac.washington.edu")) NIL "<B27397-0100000@cac.washington.edu>"))\r\n',
  ],
  [
    {
      type: 'fetch',
      seq: 1,
      items: [
        {
          item: 'BODYSTRUCTURE',
          value: [
            str('TEXT'),
            str('PLAIN'),
            [str('CHARSET'), str('US-ASCII')],
            nil,
            nil,
            str('7BIT'),
            { type: 'number', value: 3028 },
            { type: 'number', value: 92 },
          ],
        },
      ],
    },
    '* 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))\r\n',
  ],
  // RFC 3501 7.4.2: "1*address" and "1*body" have no space between their elements.
  [
    {
      type: 'fetch',
      seq: 3,
      items: [
        {
          item: 'ENVELOPE',
          value: [
            nil,
            str('s'),
            [
              [nil, nil, str('a'), str('x.org')],
              [nil, nil, str('b'), str('x.org')],
            ],
            nil,
            nil,
            [[str('C'), nil, str('c'), str('y.org')]],
            nil,
            nil,
            nil,
            nil,
          ],
        },
      ],
    },
    '* 3 FETCH (ENVELOPE (NIL "s" ((NIL NIL "a" "x.org")(NIL NIL "b" "x.org")) NIL NIL (("C" NIL "c" "y.org")) NIL NIL NIL NIL))\r\n',
  ],
  [
    {
      type: 'fetch',
      seq: 4,
      items: [
        {
          item: 'BODY',
          value: [
            [str('TEXT'), str('PLAIN'), nil, nil, nil, str('7BIT'), { type: 'number', value: 1 }, { type: 'number', value: 1 }],
            [
              str('MESSAGE'),
              str('RFC822'),
              nil,
              nil,
              nil,
              str('7BIT'),
              { type: 'number', value: 9 },
              [
                nil,
                nil,
                [
                  [nil, nil, str('a'), str('x.org')],
                  [nil, nil, str('b'), str('x.org')],
                ],
                nil,
                nil,
                nil,
                nil,
                nil,
                nil,
                nil,
              ],
              [
                [str('TEXT'), str('PLAIN'), nil, nil, nil, str('7BIT'), { type: 'number', value: 2 }, { type: 'number', value: 1 }],
                [str('TEXT'), str('HTML'), nil, nil, nil, str('7BIT'), { type: 'number', value: 3 }, { type: 'number', value: 1 }],
                str('ALTERNATIVE'),
              ],
              { type: 'number', value: 4 },
            ],
            str('MIXED'),
          ],
        },
      ],
    },
    '* 4 FETCH (BODY (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 9 (NIL NIL ((NIL NIL "a" "x.org")(NIL NIL "b" "x.org")) NIL NIL NIL NIL NIL NIL NIL) (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 2 1)("TEXT" "HTML" NIL NIL NIL "7BIT" 3 1) "ALTERNATIVE") 4) "MIXED"))\r\n',
  ],
  [
    {
      type: 'fetch',
      seq: 2,
      items: [{ item: 'BODY[]', section: { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] }, data: encode('From: x\r\n\r\n') }],
    },
    '* 2 FETCH (BODY[HEADER.FIELDS (DATE FROM)] {11}\r\nFrom: x\r\n\r\n)\r\n',
  ],
  [
    { type: 'fetch', seq: 2, items: [{ item: 'BODY[]', section: { part: [1, 2], text: undefined, fields: [] }, origin: 0, data: null }] },
    '* 2 FETCH (BODY[1.2]<0> NIL)\r\n',
  ],
  [
    {
      type: 'fetch',
      seq: 2,
      items: [
        { item: 'BINARY[]', part: [1], data: new Uint8Array([0x61, 0x00]) },
        { item: 'BINARY.SIZE', part: [1], size: 2 },
      ],
    },
    '* 2 FETCH (BINARY[1] ~{2}\r\na\0 BINARY.SIZE[1] 2)\r\n',
  ],
  [{ type: 'fetch', seq: 2, items: [{ item: 'BINARY[]', part: [], origin: 5, data: encode('ab') }] }, '* 2 FETCH (BINARY[]<5> {2}\r\nab)\r\n'],
  [
    {
      type: 'fetch',
      seq: 3,
      items: [
        { item: 'RFC822.HEADER', data: encode('a') },
        { item: 'RFC822.TEXT', data: encode('') },
      ],
    },
    '* 3 FETCH (RFC822.HEADER {1}\r\na RFC822.TEXT {0}\r\n)\r\n',
  ],
];

describe('response: typed responses to exact bytes', () => {
  for (const [response, expected] of cases) {
    test(JSON.stringify(expected), () => assert.equal(wire(response, expected.includes('Entwürfe')), expected));
  }
});

describe('response: string forms', () => {
  const env = (value: string | Uint8Array, utf8 = false) => wire({ type: 'fetch', seq: 1, items: [{ item: 'ENVELOPE', value: [str(value)] }] }, utf8);
  test('short 7-bit strings are quoted with escapes', () => assert.equal(env('a "b" \\c'), '* 1 FETCH (ENVELOPE ("a \\"b\\" \\\\c"))\r\n'));
  test('CR, LF and 8-bit without UTF8=ACCEPT become literals', () => {
    assert.equal(env('a\r\nb'), '* 1 FETCH (ENVELOPE ({4}\r\na\r\nb))\r\n');
    assert.equal(env('Grüße'), '* 1 FETCH (ENVELOPE ({7}\r\nGrüße))\r\n');
    assert.equal(env(new Uint8Array([0xff])), '* 1 FETCH (ENVELOPE ({1}\r\n\ufffd))\r\n');
  });
  test('UTF-8 is quoted under UTF8=ACCEPT, unless invalid', () => {
    assert.equal(env('Grüße', true), '* 1 FETCH (ENVELOPE ("Grüße"))\r\n');
    assert.equal(env(encode('Grüße'), true), '* 1 FETCH (ENVELOPE ("Grüße"))\r\n');
    assert.equal(
      decode(serializeToBytes({ type: 'fetch', seq: 1, items: [{ item: 'ENVELOPE', value: [str(new Uint8Array([0xc3]))] }] }, { utf8Accept: true })),
      '* 1 FETCH (ENVELOPE ({1}\r\n\ufffd))\r\n',
    );
  });
  test('long strings and many escapes become literals', () => {
    assert.match(env('x'.repeat(1001)), /^\* 1 FETCH \(ENVELOPE \(\{1001\}\r\n/);
    assert.match(env('"'.repeat(9)), /^\* 1 FETCH \(ENVELOPE \(\{9\}\r\n/);
  });
  test('invalid atoms are refused as server bugs, never written', () => {
    assert.throws(
      () => serializeResponse({ type: 'flags', flags: ['bad flag'] }),
      (e: unknown) => e instanceof ProtoError && e.code === 'INVALID_RESPONSE',
    );
    assert.throws(() => serializeResponse({ type: 'exists', count: -1 }), ProtoError);
    assert.throws(() => serializeResponse({ type: 'vanished', earlier: false, uids: [] }), ProtoError);
  });
});

describe('response: large and streamed bodies', () => {
  test('a large body is its own chunk, not a copy', () => {
    const body = new Uint8Array(100_000).fill(0x41);
    const chunks = serializeResponse({
      type: 'fetch',
      seq: 1,
      items: [
        { item: 'UID', uid: 1 },
        { item: 'BODY[]', section: { part: [], text: undefined, fields: [] }, data: body },
      ],
    });
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1], body);
    assert.equal(decode(chunks[0] as Uint8Array), '* 1 FETCH (UID 1 BODY[] {100000}\r\n');
    assert.equal(decode(chunks[2] as Uint8Array), ')\r\n');
  });

  test('a streamed body is written through chunkBytes and its size is enforced', async () => {
    async function* pieces(parts: string[]) {
      for (const p of parts) yield encode(p);
    }
    const ok = serializeResponse({ type: 'fetch', seq: 4, items: [{ item: 'BINARY[]', part: [], data: { size: 6, stream: pieces(['abc', 'def']) } }] });
    let out = '';
    for await (const bytes of chunkBytes(ok)) out += decode(bytes);
    assert.equal(out, '* 4 FETCH (BINARY[] ~{6}\r\nabcdef)\r\n');
    assert.throws(() => serializeToBytes({ type: 'fetch', seq: 4, items: [{ item: 'RFC822', data: { size: 1, stream: pieces(['x']) } }] }), TypeError);
    for (const parts of [['abc'], ['abc', 'defg']]) {
      const bad = serializeResponse({ type: 'fetch', seq: 4, items: [{ item: 'RFC822', data: { size: 6, stream: pieces(parts) } }] });
      await assert.rejects(
        async () => {
          for await (const _ of chunkBytes(bad)) void _;
        },
        (e: unknown) => e instanceof ProtoError && e.code === 'INVALID_RESPONSE',
      );
    }
  });
});

describe('response: replies to protocol errors', () => {
  const reply = (code: ConstructorParameters<typeof ProtoError>[0], tag?: string, charsets?: string[]) => {
    const e = new ProtoError(code, 'Message', charsets);
    e.tag = tag;
    return wire(responseForError(e));
  };
  test('tagged BAD when the tag is known, untagged otherwise', () => {
    assert.equal(reply('SYNTAX', 'a1'), 'a1 BAD Message\r\n');
    assert.equal(reply('INVALID_TAG'), '* BAD Message\r\n');
  });
  test('size, charset and name errors carry their codes', () => {
    assert.equal(reply('LITERAL_TOO_LARGE', 'a'), 'a NO [TOOBIG] Message\r\n');
    assert.equal(reply('NON_SYNC_LITERAL_TOO_LARGE', 'a'), 'a BAD [TOOBIG] Message\r\n');
    assert.equal(reply('BAD_CHARSET', 'a', ['UTF-8']), 'a NO [BADCHARSET (UTF-8)] Message\r\n');
    assert.equal(reply('INVALID_MAILBOX_NAME', 'a'), 'a NO [CANNOT] Message\r\n');
  });
});
