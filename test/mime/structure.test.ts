import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HEADER_LINE_CAP, MAX_ADDRESSES, MAX_NESTING_DEPTH, MAX_PARTS, PREVIEW_CHARS, analyzeMessage, createMessageAnalyzer } from '../../mime/structure.ts';
import type { MessageSummary, MimePart } from '../../mime/structure.ts';
import { findPart } from '../../mime/part-numbering.ts';
import { assertWellFormed } from './invariants.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { bytes, fixture, latin1, latin1Bytes } from './bytes.ts';

const fixturesDirectory = new URL('../fixtures/mime/', import.meta.url);
const fixtureNames = readdirSync(fixturesDirectory)
  .filter((name) => name.endsWith('.eml'))
  .map((name) => name.slice(0, -4));

function analyzeInPieces(raw: Uint8Array, pieceSize: () => number): MessageSummary {
  const analyzer = createMessageAnalyzer();
  let position = 0;
  while (position < raw.length) {
    const size = Math.max(1, pieceSize());
    analyzer.push(raw.subarray(position, position + size));
    position += size;
  }
  return analyzer.finish();
}

function body(raw: Uint8Array, part: MimePart): string {
  return latin1(raw.subarray(part.headerEnd, part.bodyEnd));
}

function depthOf(part: MimePart): number {
  const below = [...(part.children ?? []), ...(part.message ? [part.message.structure] : [])];
  return 1 + Math.max(0, ...below.map(depthOf));
}

describe('summary of the fixtures', () => {
  test('the RFC 3501 example message, in full', () => {
    assert.deepEqual(analyzeMessage(fixture('rfc3501-mixed')), {
      v: 1,
      size: 696,
      lines: 22,
      headersEnd: 354,
      envelope: {
        date: 'Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
        subject: 'IMAP4rev1 WG mtg summary and minutes',
        from: [{ name: 'Terry Gray', mailbox: 'gray', host: 'cac.washington.edu' }],
        sender: [],
        replyTo: [],
        to: [{ name: null, mailbox: 'imap', host: 'cac.washington.edu' }],
        cc: [
          { name: null, mailbox: 'minutes', host: 'CNRI.Reston.VA.US' },
          { name: 'John Klensin', mailbox: 'KLENSIN', host: 'MIT.EDU' },
        ],
        bcc: [],
        inReplyTo: null,
        messageId: '<B27397-0100000@cac.washington.edu>',
      },
      structure: {
        type: 'multipart',
        subtype: 'mixed',
        headerStart: 0,
        headerEnd: 354,
        bodyEnd: 696,
        lines: 13,
        params: [{ name: 'boundary', value: '----=_Part_0' }],
        children: [
          {
            type: 'text',
            subtype: 'plain',
            headerStart: 370,
            headerEnd: 416,
            bodyEnd: 441,
            lines: 1,
            params: [{ name: 'charset', value: 'US-ASCII' }],
          },
          {
            type: 'text',
            subtype: 'plain',
            headerStart: 459,
            headerEnd: 644,
            bodyEnd: 676,
            lines: 0,
            params: [
              { name: 'charset', value: 'US-ASCII' },
              { name: 'name', value: 'cc.diff' },
            ],
            id: '<960723163407.20117h@cac.washington.edu>',
            description: 'Compiler diff',
            encoding: 'base64',
          },
        ],
        boundary: '----=_Part_0',
      },
      sortKeys: {
        subject: 'IMAP4REV1 WG MTG SUMMARY AND MINUTES',
        from: 'GRAY',
        to: 'IMAP',
        cc: 'MINUTES',
        displayFrom: 'TERRY GRAY',
        displayTo: 'IMAP@CAC.WASHINGTON.EDU',
        sentDate: Date.UTC(1996, 6, 17, 9, 23, 25),
      },
      threading: { messageId: 'B27397-0100000@cac.washington.edu', inReplyTo: [], references: [], isReplyOrForward: false },
      preview: 'Hello, this is the body.',
      hasAttachments: true,
      attachments: [{ path: [2], filename: 'cc.diff', type: 'text/plain', size: 32, encoding: 'base64' }],
    });
  });

  test('byte offsets slice out exactly each header and body', () => {
    const raw = fixture('rfc3501-mixed');
    const [first, second] = analyzeMessage(raw).structure.children!;
    assert.equal(latin1(raw.subarray(first!.headerStart, first!.headerEnd)), 'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n');
    assert.equal(body(raw, first!), 'Hello,\r\nthis is the body.');
    assert.equal(body(raw, second!), 'ZGlmZiAtLWdpdCBhL3guYyBiL3guYwo=');
  });

  test('bare LF messages', () => {
    const raw = fixture('bare-lf');
    const summary = analyzeMessage(raw);
    const [plain, html] = summary.structure.children!;
    assert.equal(summary.headersEnd, 88);
    assert.equal(latin1(raw.subarray(plain!.headerStart, plain!.headerEnd)), 'Content-Type: text/plain\n\n');
    assert.equal(body(raw, plain!), 'one\ntwo');
    assert.equal(body(raw, html!), '<b>one</b>');
    assert.equal(summary.defects, undefined);
  });

  test('empty and header-only messages', () => {
    const empty = analyzeMessage(fixture('empty'));
    assert.equal(empty.size, 0);
    assert.equal(empty.headersEnd, 0);
    assert.deepEqual([empty.structure.type, empty.structure.subtype], ['text', 'plain']);
    const headerOnly = analyzeMessage(fixture('header-only'));
    assert.equal(headerOnly.headersEnd, headerOnly.size);
    assert.equal(headerOnly.envelope.subject, 'Nothing else');
  });

  test('a missing final boundary ends the last part at the end of the message', () => {
    const raw = fixture('missing-final-boundary');
    const summary = analyzeMessage(raw);
    assert.deepEqual(summary.defects, ['MISSING_FINAL_BOUNDARY']);
    assert.equal(body(raw, summary.structure.children![1]!), 'AAAA\r\nAAAA');
  });

  test('encoded words in several charsets are decoded for display and sorting', () => {
    const decoded = (name: string) => analyzeMessage(fixture(name)).envelope;
    assert.equal(decoded('subject-utf8').decodedSubject, 'Grüße aus Köln 🎉');
    assert.equal(decoded('subject-latin1').decodedSubject, 'If you can read this you understand the example.');
    assert.equal(decoded('subject-iso2022jp').decodedSubject, 'こんにちは世界');
    assert.equal(decoded('subject-cp1252').decodedSubject, '“Smart quotes” – and € (split: á€)');
    assert.deepEqual(decoded('subject-latin1').from, [
      { name: '=?ISO-8859-1?Q?Andr=E9?= Pirard', decodedName: 'André Pirard', mailbox: 'PIRARD', host: 'vm1.ulg.ac.be' },
    ]);
    assert.deepEqual(decoded('subject-iso2022jp').from[0], {
      name: '=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=',
      decodedName: '山田',
      mailbox: 'yamada',
      host: 'example.jp',
    });
  });

  test('raw 8-bit headers: UTF-8 kept, other 8-bit read as windows-1252', () => {
    const summary = analyzeMessage(fixture('utf8-headers'));
    assert.equal(summary.envelope.subject, 'Grüße – naïve ☃');
    assert.equal(summary.envelope.decodedSubject, undefined);
    assert.deepEqual(summary.envelope.cc, [{ name: 'André', mailbox: 'andre', host: 'example.fr' }]);
  });

  test('NUL octets are dropped from header values and from the preview', () => {
    const summary = analyzeMessage(fixture('nul-bytes'));
    assert.equal(summary.envelope.subject, 'ab');
    assert.equal(summary.preview, 'bodywith NUL');
    assert.deepEqual(summary.defects, ['NUL_IN_HEADER']);
  });

  test('sort keys and threading data', () => {
    const summary = analyzeMessage(fixture('groups'));
    assert.deepEqual(summary.sortKeys, {
      subject: 'GROUPS',
      from: 'JOHN.DOE',
      to: 'ALICE',
      cc: 'CAROL',
      displayFrom: 'DOE, JOHN',
      displayTo: 'ALICE@EXAMPLE.COM',
      sentDate: Date.UTC(2024, 0, 1, 15, 0, 0),
    });
    assert.deepEqual(summary.threading, {
      messageId: null,
      inReplyTo: ['parent@example.com'],
      references: ['root@example.com', 'parent@example.com'],
      isReplyOrForward: false,
    });
    const forwarded = analyzeMessage(fixture('nested-rfc822'));
    assert.equal(forwarded.sortKeys.subject, 'LUNCH');
    assert.equal(forwarded.threading.isReplyOrForward, true);
  });

  test('every fixture is well formed', () => {
    for (const name of fixtureNames) assertWellFormed(analyzeMessage(fixture(name)), fixture(name));
  });
});

describe('streaming', () => {
  test('pieces of random sizes, including single octets, give the identical summary', () => {
    const random = seededRandom(2024);
    for (const name of fixtureNames) {
      const raw = fixture(name);
      const whole = JSON.stringify(analyzeMessage(raw));
      assert.equal(JSON.stringify(analyzeInPieces(raw, () => 1)), whole, `${name} byte by byte`);
      for (let round = 0; round < 10; round++) {
        const maximum = [2, 3, 7, 64, 1000][round % 5]!;
        assert.equal(JSON.stringify(analyzeInPieces(raw, () => 1 + Math.floor(random() * maximum))), whole, `${name} round ${round}`);
      }
    }
  });

  test('the analyzer copies what it keeps: callers may reuse their buffers', () => {
    const raw = fixture('nested-rfc822');
    const analyzer = createMessageAnalyzer();
    const buffer = new Uint8Array(17);
    for (let position = 0; position < raw.length; position += buffer.length) {
      const piece = raw.subarray(position, position + buffer.length);
      buffer.set(piece);
      analyzer.push(buffer.subarray(0, piece.length));
      buffer.fill(0x21);
    }
    assert.deepEqual(analyzer.finish(), analyzeMessage(raw));
  });

  test('finish() is idempotent; push() after finish() is a coded error', () => {
    const analyzer = createMessageAnalyzer();
    analyzer.push(bytes('Subject: x\r\n\r\nbody'));
    const summary = analyzer.finish();
    assert.equal(analyzer.finish(), summary);
    assert.throws(() => analyzer.push(bytes('more')), { code: 'MIME_ANALYZER_FINISHED' });
  });

  test('a 20 MB message in 64 KiB pieces: memory stays far below the message size', () => {
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const pieceSize = 64 * 1024;
    const base64Line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n';
    const head = bytes(
      'From: big@example.com\r\nSubject: Large\r\nContent-Type: multipart/mixed; boundary="big"\r\n\r\n' +
        '--big\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n' +
        '--big\r\nContent-Type: application/octet-stream; name="big.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    );
    const tail = bytes('\r\n--big--\r\n');
    const piece = bytes(base64Line.repeat(Math.floor(pieceSize / base64Line.length)));
    const pieces = Math.ceil((20 * 1024 * 1024) / piece.length);

    collectGarbage();
    const before = process.memoryUsage();
    const analyzer = createMessageAnalyzer();
    analyzer.push(head);
    for (let i = 0; i < pieces; i++) analyzer.push(piece);
    analyzer.push(tail);
    collectGarbage();
    const during = process.memoryUsage();
    const summary = analyzer.finish();

    const size = head.length + pieces * piece.length + tail.length;
    assert.ok(size >= 20 * 1024 * 1024);
    assert.equal(summary.size, size);
    const attachment = summary.structure.children![1]!;
    assert.equal(attachment.bodyEnd - attachment.headerEnd, pieces * piece.length);
    assert.equal(summary.preview, 'See attachment.');
    const retained = during.heapUsed + during.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    assert.ok(retained < 2 * 1024 * 1024, `analyzer held ${retained} bytes while streaming ${size}`);
  });
});

describe('malformed MIME gets a best-effort summary', () => {
  test('multipart whose boundary never appears: no parts, body kept whole', () => {
    const raw = bytes('Content-Type: multipart/mixed; boundary=never\r\n\r\nJust text\r\n');
    const summary = analyzeMessage(raw);
    assert.deepEqual(summary.structure.children, []);
    assert.equal(body(raw, summary.structure), 'Just text\r\n');
    assert.deepEqual(summary.defects, ['MISSING_FINAL_BOUNDARY']);
  });

  test('unterminated nested multiparts all end at the end of the message', () => {
    const raw = bytes(
      'Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\n\r\ncut off',
    );
    const summary = analyzeMessage(raw);
    const inner = summary.structure.children![0]!;
    assert.equal(body(raw, inner.children![0]!), 'cut off');
    assert.equal(inner.bodyEnd, raw.length);
    assertWellFormed(summary, raw);
  });

  test('an outer boundary closes inner parts whose own boundary never ended', () => {
    const raw = bytes(
      'Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n' +
        '--inner\r\n\r\none\r\n--outer\r\n\r\ntwo\r\n--outer--\r\n',
    );
    const summary = analyzeMessage(raw);
    const [alternative, second] = summary.structure.children!;
    assert.equal(body(raw, alternative!.children![0]!), 'one');
    assert.equal(body(raw, second!), 'two');
    assert.deepEqual(summary.defects, ['MISSING_FINAL_BOUNDARY']);
  });

  test('boundaries match as prefixes, the longest active one winning (as Dovecot does)', () => {
    const raw = bytes(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=bb\r\n\r\n' +
        '--bb\r\n\r\ninner\r\n--bb--\r\n--b  trailing garbage\r\n\r\nsecond\r\n--b-- \r\nepilogue\r\n--b--\r\n',
    );
    const summary = analyzeMessage(raw);
    const [nested, second] = summary.structure.children!;
    assert.equal(body(raw, nested!.children![0]!), 'inner');
    assert.equal(body(raw, second!), 'second');
    assert.equal(summary.structure.children!.length, 2, 'a boundary after the close delimiter is epilogue');
    assert.equal(summary.defects, undefined);
  });

  test('a boundary inside a part header ends that part; the line break belongs to the boundary', () => {
    const raw = bytes('Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n--x\r\n\r\nbody\r\n--x--\r\n');
    const [headerOnly, next] = analyzeMessage(raw).structure.children!;
    assert.equal(latin1(raw.subarray(headerOnly!.headerStart, headerOnly!.headerEnd)), 'Content-Type: text/plain');
    assert.equal(headerOnly!.bodyEnd, headerOnly!.headerEnd);
    assert.equal(body(raw, next!), 'body');
  });

  test('a boundary right after a header block leaves the blank line in that header (Dovecot)', () => {
    const raw = bytes(
      'Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\n\r\n--a--\r\n',
    );
    const summary = analyzeMessage(raw);
    const alternative = summary.structure.children![0]!;
    const text = alternative.children![0]!;
    assert.equal(latin1(raw.subarray(text.headerStart, text.headerEnd)), 'Content-Type: text/plain\r\n\r\n');
    assert.equal(text.bodyEnd, text.headerEnd);
    assert.equal(alternative.bodyEnd, text.bodyEnd);
    assertWellFormed(summary, raw);
  });

  test('empty parts between adjacent boundaries', () => {
    const raw = bytes('Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n\r\n--x--\r\n');
    const summary = analyzeMessage(raw);
    assert.equal(summary.structure.children!.length, 2);
    for (const part of summary.structure.children!) assert.equal(part.bodyEnd - part.headerEnd, 0);
    assertWellFormed(summary, raw);
  });

  test('nesting bombs are cut at MAX_NESTING_DEPTH and the rest is kept opaque', () => {
    const messages = bytes(`${'Content-Type: message/rfc822\r\n\r\n'.repeat(1000)}Subject: deepest\r\n\r\nbody\r\n`);
    let multiparts = '';
    for (let i = 0; i < 1000; i++) multiparts += `Content-Type: multipart/mixed; boundary="level${i}"\r\n\r\n--level${i}\r\n`;
    const multipartBomb = bytes(`${multiparts}\r\nbottom\r\n`);
    for (const raw of [messages, multipartBomb]) {
      const summary = analyzeMessage(raw);
      assert.ok(summary.defects?.includes('NESTING_TOO_DEEP'));
      assert.ok(depthOf(summary.structure) <= MAX_NESTING_DEPTH + 1);
      assertWellFormed(summary, raw);
    }
  });

  test('a 1 MB header line is cut at HEADER_LINE_CAP without losing the structure', () => {
    const raw = bytes(`Subject: ${'x'.repeat(1024 * 1024)}\r\nContent-Type: text/html\r\n\r\n<p>after</p>`);
    const summary = analyzeMessage(raw);
    assert.equal(summary.envelope.subject!.length, HEADER_LINE_CAP - 'Subject:'.length - 1);
    assert.equal(summary.structure.subtype, 'html');
    assert.equal(summary.preview, 'after');
    assert.deepEqual(summary.defects, ['HEADER_LINE_TRUNCATED']);
  });

  test('duplicate headers: the first one counts', () => {
    const raw = bytes('Subject: first\r\nSubject: second\r\nContent-Type: text/html\r\nContent-Type: image/png\r\n\r\nx');
    const summary = analyzeMessage(raw);
    assert.equal(summary.envelope.subject, 'first');
    assert.equal(summary.structure.subtype, 'html');
  });

  test('missing or invalid Content-Type is text/plain', () => {
    assert.equal(analyzeMessage(bytes('Subject: x\r\n\r\nbody')).structure.subtype, 'plain');
    const invalid = analyzeMessage(bytes('Content-Type: garbage; charset=utf-8\r\n\r\nbody'));
    assert.deepEqual([invalid.structure.type, invalid.structure.subtype, invalid.structure.params], ['text', 'plain', undefined]);
    assert.deepEqual(invalid.defects, ['INVALID_CONTENT_TYPE']);
  });

  test('invalid charsets and broken base64 still give a preview', () => {
    const raw = bytes('Content-Type: text/plain; charset=no-such-charset\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVs*bG8g\r\nV29y!bGQ\r\n');
    assert.equal(analyzeMessage(raw).preview, 'Hello World');
  });

  test('binary garbage and NUL octets never break the analysis', () => {
    const random = seededRandom(99);
    for (let round = 0; round < 20; round++) {
      const raw = new Uint8Array(5000 + Math.floor(random() * 50_000)).map(() => Math.floor(random() * 256));
      assertWellFormed(analyzeMessage(raw), raw);
    }
  });

  test('part count is capped; the rest stays in the last part', () => {
    const raw = bytes(`Content-Type: multipart/mixed; boundary=p\r\n\r\n${'--p\r\n\r\nx\r\n'.repeat(MAX_PARTS + 500)}--p--\r\n`);
    const summary = analyzeMessage(raw);
    assert.equal(summary.structure.children!.length, MAX_PARTS - 1);
    assert.ok(summary.defects?.includes('TOO_MANY_PARTS'));
    assertWellFormed(summary, raw);
  });

  test('addresses are capped across the message and groups stay balanced', () => {
    const raw = bytes(`To: list: ${'a@b, '.repeat(MAX_ADDRESSES + 10)};\r\nCc: late@example.com\r\n\r\n`);
    const summary = analyzeMessage(raw);
    assert.equal(summary.envelope.to.length, MAX_ADDRESSES + 2);
    assert.deepEqual(summary.envelope.to.at(-1), { groupEnd: true });
    assert.deepEqual(summary.envelope.cc, []);
    assert.deepEqual(summary.defects, ['TOO_MANY_ADDRESSES']);
  });

  test('Latin-1 bytes in a part header do not upset the parse', () => {
    const raw = latin1Bytes('Content-Type: text/plain; name="caf\xe9.txt"\r\nContent-Disposition: attachment\r\n\r\nx');
    assert.equal(analyzeMessage(raw).attachments[0]!.filename, 'café.txt');
  });
});

describe('preview and attachments', () => {
  test('plain text is preferred, attachments are skipped, HTML is used when there is nothing else', () => {
    const alternative = bytes(
      'Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n' +
        '--a\r\nContent-Type: text/plain\r\n\r\nplain\r\n--a--\r\n',
    );
    assert.equal(analyzeMessage(alternative).preview, 'plain');
    const attachedText = bytes(
      'Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\n' +
        'attached\r\n--m\r\nContent-Type: text/html\r\n\r\n<p>shown&nbsp;text</p>\r\n--m--\r\n',
    );
    assert.equal(analyzeMessage(attachedText).preview, 'shown text');
    assert.equal(analyzeMessage(fixture('html-only')).preview, 'Café & crème — € 5 Second line');
  });

  test('text of an attached message is used only when the outer message has none', () => {
    assert.equal(analyzeMessage(fixture('nested-rfc822')).preview, 'See below.');
    const onlyForwarded = bytes('Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text\r\n');
    assert.equal(analyzeMessage(onlyForwarded).preview, 'inner text');
  });

  test(`the preview is at most ${PREVIEW_CHARS} characters with whitespace collapsed`, () => {
    const raw = bytes(`Content-Type: text/plain; charset=utf-8\r\n\r\n${'word \r\n\t '.repeat(100)}${'😀'.repeat(300)}`);
    const preview = analyzeMessage(raw).preview;
    assert.equal([...preview].length, PREVIEW_CHARS);
    assert.ok(preview.startsWith('word word '));
  });

  test('inline images of multipart/related are not attachments; named parts and attached messages are', () => {
    const raw = bytes(
      'Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: multipart/related; boundary=r\r\n\r\n' +
        '--r\r\nContent-Type: text/html\r\n\r\n<img src="cid:i1">\r\n--r\r\nContent-Type: image/png\r\nContent-ID: <i1>\r\n\r\nPNG\r\n--r--\r\n' +
        '--m\r\nContent-Type: text/plain; name="notes.txt"\r\n\r\nnotes\r\n' +
        '--m\r\nContent-Type: message/rfc822\r\n\r\nSubject: fwd\r\n\r\nx\r\n--m--\r\n',
    );
    const summary = analyzeMessage(raw);
    assert.deepEqual(
      summary.attachments.map((attachment) => [attachment.path.join('.'), attachment.filename, attachment.type]),
      [
        ['2', 'notes.txt', 'text/plain'],
        ['3', null, 'message/rfc822'],
      ],
    );
    assert.equal(findPart(summary.structure, [1, 2])?.id, '<i1>');
  });

  test('RFC 2231 filenames in UTF-8 are decoded for the attachment list', () => {
    assert.deepEqual(analyzeMessage(fixture('rfc2231-attachment')).attachments, [
      { path: [2], filename: 'Rechnung über 100 €.pdf', type: 'application/pdf', size: 8, encoding: 'base64' },
      { path: [3], filename: 'dot.png', type: 'image/png', size: 3 },
    ]);
  });
});
