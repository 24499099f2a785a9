import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { concatBytes } from '../../shared/bytes.ts';
import {
  createTransferDecoder,
  decodeCharset,
  decodeEncodedWords,
  decodeTransferEncoding,
  extractText,
  headerBytesToText,
  unfoldHeaderValue,
} from '../../mime/decode.ts';
import { htmlToReadableText, htmlToText } from '../../mime/html-text.ts';
import { analyzeMessage } from '../../mime/structure.ts';
import { findPart } from '../../mime/part-numbering.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { bytes, fixture, latin1, latin1Bytes } from './bytes.ts';

function decodeInPieces(input: Uint8Array, encoding: string, random: () => number): Uint8Array {
  const decoder = createTransferDecoder(encoding);
  const out: Uint8Array[] = [];
  let position = 0;
  while (position < input.length) {
    const size = 1 + Math.floor(random() * 7);
    out.push(decoder.push(input.subarray(position, position + size)));
    position += size;
  }
  out.push(decoder.finish());
  return concatBytes(out);
}

describe('RFC 2047 encoded words', () => {
  // RFC 2047 section 8 examples (the text between the parentheses).
  const rfcExamples: Array<[string, string]> = [
    ['(=?ISO-8859-1?Q?a?=)', '(a)'],
    ['(=?ISO-8859-1?Q?a?= b)', '(a b)'],
    ['(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a_b?=)', '(a b)'],
    ['(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)', '(a b)'],
  ];
  for (const [encoded, decoded] of rfcExamples) {
    test(`RFC 2047 example ${JSON.stringify(encoded)}`, () => assert.equal(decodeEncodedWords(encoded), decoded));
  }

  test('charsets: UTF-8, ISO-8859-1, ISO-2022-JP, windows-1252', () => {
    assert.equal(decodeEncodedWords('=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= =?utf-8?b?IPCfjok=?='), 'Grüße 🎉');
    assert.equal(decodeEncodedWords('=?ISO-8859-1?Q?Andr=E9?= Pirard'), 'André Pirard');
    assert.equal(decodeEncodedWords('=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?='), 'こんにちは');
    assert.equal(decodeEncodedWords('=?windows-1252?Q?=93Hi=94_=96_=80?='), '“Hi” – €');
  });

  test('a character split across adjacent words is joined before decoding', () => {
    assert.equal(decodeEncodedWords('=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?='), '€');
    assert.equal(decodeEncodedWords('=?UTF-8?Q?=E2=82?==?UTF-8?Q?=AC?='), '€');
  });

  test('broken real-world forms', () => {
    assert.equal(decodeEncodedWords('=?utf-8?q?hello world?='), 'hello world', 'spaces inside a Q word');
    assert.equal(decodeEncodedWords('prefix=?utf-8?q?mid?=suffix'), 'prefixmidsuffix', 'glued to text');
    assert.equal(decodeEncodedWords('"=?utf-8?q?J=C3=B6rg?=" <j@x>'), '"Jörg" <j@x>', 'inside quotes');
    assert.equal(decodeEncodedWords('=?UTF-8*en?Q?lang?='), 'lang', 'RFC 2231 language suffix');
    assert.equal(decodeEncodedWords('=?x-bogus?Q?caf=E9?='), 'café', 'unknown charset, 8-bit: windows-1252');
    assert.equal(decodeEncodedWords('=?x-bogus?Q?caf=C3=A9?='), 'café', 'unknown charset, valid UTF-8');
    assert.equal(decodeEncodedWords('=?utf-8?B?w6k?='), 'é', 'missing padding');
    assert.equal(decodeEncodedWords('=?utf-8?q?unterminated'), '=?utf-8?q?unterminated');
    assert.equal(decodeEncodedWords('=?utf-8?x?abc?='), '=?utf-8?x?abc?=', 'unknown encoding');
  });

  test('decoded line breaks cannot start a new header line', () => {
    assert.equal(decodeEncodedWords('=?utf-8?Q?a=0D=0ABcc:_x=00?='), 'a Bcc: x');
  });
});

describe('charsets', () => {
  test('missing or ASCII labels read UTF-8 when valid, windows-1252 otherwise', () => {
    assert.equal(decodeCharset(bytes('Grüße'), 'us-ascii'), 'Grüße');
    assert.equal(decodeCharset(latin1Bytes('Gr\xfc\xdfe \x80'), 'us-ascii'), 'Grüße €');
    assert.equal(decodeCharset(latin1Bytes('caf\xe9'), null), 'café');
  });

  test('declared charsets are honoured', () => {
    assert.equal(decodeCharset(latin1Bytes('\xa4'), 'iso-8859-15'), '€');
    assert.equal(decodeCharset(latin1Bytes('\x82\xb1\x82\xf1'), 'Shift_JIS'), 'こん');
    assert.equal(decodeCharset(latin1Bytes('\xc1\xd7'), 'koi8-r'), 'ав');
    assert.equal(decodeCharset(latin1Bytes('caf\xe9'), '"ISO-8859-1"'), 'café');
  });

  test('invalid UTF-8 declared as UTF-8 gets replacement characters; unknown labels fall back', () => {
    assert.equal(decodeCharset(latin1Bytes('a\xffb'), 'utf-8'), 'a\uFFFDb');
    assert.equal(decodeCharset(latin1Bytes('caf\xe9'), 'no-such-charset'), 'café');
    assert.equal(decodeCharset(bytes('ok ✓'), 'no-such-charset'), 'ok ✓');
  });

  test('header bytes: UTF-8 or windows-1252, NUL/CR/LF removed', () => {
    assert.equal(headerBytesToText(bytes('Jörg\0 M\r\nü')), 'Jörg Mü');
    assert.equal(headerBytesToText(latin1Bytes('Andr\xe9')), 'André');
  });

  test('unfolding removes line breaks before whitespace only', () => {
    assert.equal(unfoldHeaderValue('a\r\n b\n\tc'), 'a b\tc');
  });
});

describe('content-transfer-encodings', () => {
  test('base64 decodes in pieces of any size exactly as in one piece', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const data = new Uint8Array(Math.floor(random() * 300)).map(() => Math.floor(random() * 256));
      const encoded = bytes(
        Buffer.from(data)
          .toString('base64')
          .replace(/.{1,76}/g, '$&\r\n'),
      );
      assert.deepEqual(decodeInPieces(encoded, 'base64', random), data);
      assert.deepEqual(decodeTransferEncoding(encoded, 'BASE64'), data);
    }
  });

  test('broken base64: junk skipped, missing padding tolerated, concatenated blocks decoded', () => {
    assert.equal(latin1(decodeTransferEncoding(bytes('SGVs*bG8\r\n!!'), 'base64')), 'Hello');
    assert.equal(latin1(decodeTransferEncoding(bytes('SGk'), 'base64')), 'Hi');
    assert.equal(latin1(decodeTransferEncoding(bytes('SGk=SGk='), 'base64')), 'HiHi');
    assert.equal(latin1(decodeTransferEncoding(bytes('S'), 'base64')), '');
  });

  test('quoted-printable: escapes, soft breaks (CRLF, LF, trailing blanks), malformed escapes kept', () => {
    const encoded = bytes('Caf=C3=A9 =\r\nsoft=\nbreak=  \r\nend =ZZ =4 x=3d\r\nlast=');
    const expected = 'Café softbreakend =ZZ =4 x=\r\nlast';
    assert.equal(Buffer.from(decodeTransferEncoding(encoded, 'quoted-printable')).toString('utf-8'), expected);
    const random = seededRandom(11);
    for (let round = 0; round < 200; round++) {
      assert.equal(Buffer.from(decodeInPieces(encoded, 'quoted-printable', random)).toString('utf-8'), expected);
    }
  });

  test('identity encodings and unknown tokens pass bytes through', () => {
    const body = latin1Bytes('=41 \xff');
    for (const encoding of ['7bit', '8bit', 'binary', 'x-uuencode', undefined]) {
      assert.deepEqual(decodeTransferEncoding(body, encoding), body);
    }
  });
});

describe('HTML to text', () => {
  test('drops head, script, style and comments; keeps visible text; decodes entities', () => {
    const html =
      '<html><head><title>T</title><style>p{}</style></head><body><p>Hello&nbsp;<b>W</b>orld &amp; more</p>' +
      '<script>if (a<b) x()</script><!-- hidden --><div>Next</div><td>a</td><td>b</td>&#x1F600; &#8364; &eacute; &bogus;</body></html>';
    assert.equal(htmlToText(html).replace(/\s+/g, ' ').trim(), 'Hello World & more Next a b 😀 € é &bogus;');
  });

  test('the readable form for display: no trailing spaces, one empty line at most, trimmed', () => {
    const html = '<body>\n  <p>Hello&nbsp;Anna, </p>\n\n\n<p>see you   </p><br><br><br><div>Bob</div>\n</body>';
    assert.equal(htmlToReadableText(html), 'Hello\u00a0Anna,\n\nsee you\n\nBob');
    assert.equal(htmlToReadableText(' '.repeat(100_000)), '');
  });

  test('a missing </head> does not swallow the body; a lone < is text', () => {
    assert.equal(htmlToText('<head><meta charset=utf-8><body>shown').trim(), 'shown');
    assert.equal(htmlToText('1 < 2 and 3 <= 4'), '1 < 2 and 3 <= 4');
  });

  // Their speed: scripts/bench-hostile-input.ts. A quadratic scan of these would take hours.
  test('hostile markup finishes', { timeout: 60_000 }, () => {
    htmlToText('<'.repeat(2_000_000));
    htmlToText('<a'.repeat(1_000_000));
    htmlToText(`<script>${'</script'.repeat(200_000)}`);
    htmlToText('&#1'.repeat(500_000));
  });
});

describe('extractText', () => {
  test('every text part of a message, encapsulated ones included, with part numbers', () => {
    const raw = fixture('nested-rfc822');
    assert.deepEqual(extractText(raw, analyzeMessage(raw)), [
      { path: [1], subtype: 'plain', text: 'See below.' },
      { path: [2, 1], subtype: 'plain', text: 'Noon?' },
      { path: [2, 2], subtype: 'html', text: '\nNoon?\n' },
    ]);
  });

  test('transfer encoding and charset are decoded; HTML is stripped', () => {
    const html = fixture('html-only');
    const [htmlText] = extractText(html, analyzeMessage(html));
    assert.equal(htmlText!.text.replace(/\s+/g, ' ').trim(), 'Café & crème — € 5 Second line');
    const japanese = fixture('subject-iso2022jp');
    assert.equal(extractText(japanese, analyzeMessage(japanese))[0]!.text, 'こんにちは\r\n');
    const utf8 = fixture('subject-utf8');
    assert.equal(extractText(utf8, analyzeMessage(utf8))[0]!.text, 'Grüße aus Köln 🎉\n');
    const unknownCharset = fixture('subject-cp1252');
    assert.equal(extractText(unknownCharset, analyzeMessage(unknownCharset))[0]!.text, '“quoted”\r\n');
  });
});

describe('cross-check with mailparser (an independent MIME implementation)', () => {
  for (const name of ['rfc2231-attachment', 'missing-final-boundary', 'subject-utf8', 'html-only', 'nested-rfc822']) {
    test(`${name}: attachments and texts decoded from our byte ranges match`, async () => {
      const raw = fixture(name);
      const summary = analyzeMessage(raw);
      const parsed = await simpleParser(Buffer.from(raw));
      const theirs = parsed.attachments.filter((attachment) => attachment.contentType !== 'message/rfc822');
      const ours = summary.attachments.filter((attachment) => attachment.type !== 'message/rfc822');
      assert.equal(ours.length, theirs.length);
      ours.forEach((attachment, index) => {
        const part = findPart(summary.structure, attachment.path)!;
        const content = decodeTransferEncoding(raw.subarray(part.headerEnd, part.bodyEnd), part.encoding);
        assert.deepEqual(Buffer.from(content), theirs[index]!.content);
        assert.equal(attachment.filename ?? undefined, theirs[index]!.filename);
      });
      // mailparser's text also renders attached messages inline, so compare only without them.
      const plain = extractText(raw, summary).find((text) => text.subtype === 'plain' && text.path.length === 1);
      const hasAttachedMessage = summary.attachments.some((attachment) => attachment.type === 'message/rfc822');
      if (plain && !hasAttachedMessage) assert.equal(plain.text.trim(), (parsed.text ?? '').trim());
    });
  }
});
