import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeMessage } from '../../mime/structure.ts';
import { sectionRange, selectHeaderFields, toBodyStructure, toEnvelope } from '../../mime/imap-format.ts';
import type { SectionText } from '../../mime/imap-format.ts';
import { imapText } from './imap-text.ts';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/mime/${name}.eml`, import.meta.url)));
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const latin1 = (data: Uint8Array): string => Buffer.from(data).toString('latin1');

function envelopeOf(raw: Uint8Array): string {
  return imapText(toEnvelope(analyzeMessage(raw)));
}

function bodyStructureOf(raw: Uint8Array, extensible = true): string {
  return imapText(toBodyStructure(analyzeMessage(raw), { extensible }));
}

describe('ENVELOPE', () => {
  test('the RFC 3501 section 7.4.2 example message gives the RFC example envelope', () => {
    assert.equal(
      envelopeOf(fixture('rfc3501-mixed')),
      '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
        '((NIL NIL "minutes" "CNRI.Reston.VA.US") ("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
        '"<B27397-0100000@cac.washington.edu>")',
    );
  });

  // Vectors from Dovecot's src/lib-imap/test-imap-envelope.c (copied there from imaptest).
  const dovecotVectors: Array<[string, string]> = [
    [
      'Message-ID: <msg@id>\nIn-Reply-To: <reply@to.id>\nDate: Thu, 15 Feb 2007 01:02:03 +0200\nSubject: subject header\n' +
        'From: From Real <fromuser@fromdomain.org>\nTo: To Real <touser@todomain.org>\nCc: Cc Real <ccuser@ccdomain.org>\n' +
        'Bcc: Bcc Real <bccuser@bccdomain.org>\nSender: Sender Real <senderuser@senderdomain.org>\n' +
        'Reply-To: ReplyTo Real <replytouser@replytodomain.org>\n\nbody\n',
      '("Thu, 15 Feb 2007 01:02:03 +0200" "subject header" (("From Real" NIL "fromuser" "fromdomain.org")) ' +
        '(("Sender Real" NIL "senderuser" "senderdomain.org")) (("ReplyTo Real" NIL "replytouser" "replytodomain.org")) ' +
        '(("To Real" NIL "touser" "todomain.org")) (("Cc Real" NIL "ccuser" "ccdomain.org")) ' +
        '(("Bcc Real" NIL "bccuser" "bccdomain.org")) "<reply@to.id>" "<msg@id>")',
    ],
    [
      'Date: Thu, 15 Feb 2007 01:02:03 +0200\nFrom: user@domain\n\nbody\n',
      '("Thu, 15 Feb 2007 01:02:03 +0200" NIL ((NIL NIL "user" "domain")) ((NIL NIL "user" "domain")) ' + '((NIL NIL "user" "domain")) NIL NIL NIL NIL NIL)',
    ],
    [
      'Date: Thu, 15 Feb 2007 01:02:03 +0200\nFrom: user@domain (Real Name)\n' +
        'To: group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;\nCc: group:;, group2: (foo) ;\n\nbody\n',
      '("Thu, 15 Feb 2007 01:02:03 +0200" NIL (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) ' +
        '(("Real Name" NIL "user" "domain")) ((NIL NIL "group" NIL) (NIL NIL "g1" "d1.org") (NIL NIL "g2" "d2.org") ' +
        '(NIL NIL NIL NIL) (NIL NIL "group2" NIL) (NIL NIL "g3" "d3.org") (NIL NIL NIL NIL)) ' +
        '((NIL NIL "group" NIL) (NIL NIL NIL NIL) (NIL NIL "group2" NIL) (NIL NIL NIL NIL)) NIL NIL NIL)',
    ],
    [
      'Date: Thu, 15 Feb 2007 01:02:03 +0200\nFrom: user@domain (Real Name)\nSender: \nReply-To: \n\nbody\n',
      '("Thu, 15 Feb 2007 01:02:03 +0200" NIL (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) ' +
        '(("Real Name" NIL "user" "domain")) NIL NIL NIL NIL NIL)',
    ],
    [
      'Date: Thu, 15 Feb 2007 01:02:03 +0200\nFrom: <@route:user@domain>\n\nbody\n',
      '("Thu, 15 Feb 2007 01:02:03 +0200" NIL ((NIL "@route" "user" "domain")) ((NIL "@route" "user" "domain")) ' +
        '((NIL "@route" "user" "domain")) NIL NIL NIL NIL NIL)',
    ],
  ];
  dovecotVectors.forEach(([message, expected], index) => {
    test(`Dovecot/imaptest envelope vector ${index}`, () => assert.equal(envelopeOf(bytes(message)), expected));
  });

  test('groups, routes, unclosed brackets, missing domains and encoded names', () => {
    assert.equal(
      envelopeOf(fixture('groups')),
      '("1 Jan 24 10:00 EST" "Groups" (("Doe, John" NIL "john.doe" "example.com")) ' +
        '((NIL "@relay.example" "john.doe" "example.com")) (("=?UTF-8?Q?J=C3=B6rg?=" NIL "joerg" "example.de")) ' +
        '((NIL NIL "Friends" NIL) (NIL NIL "alice" "example.com") ("Bob B." NIL "bob" "example.org") (NIL NIL NIL NIL) ' +
        '(NIL NIL "undisclosed-recipients" NIL) (NIL NIL NIL NIL)) (("Carol" NIL "carol" "example.net")) ' +
        '((NIL NIL "daemon" "MISSING_DOMAIN")) "<parent@example.com> (comment)" NIL)',
    );
  });

  test('encoded words stay encoded, folding is undone, raw UTF-8 passes through', () => {
    assert.equal(
      envelopeOf(fixture('subject-latin1')),
      '(NIL "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=" ' +
        '(("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")) ' +
        '(("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")) ' +
        '(("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")) ' +
        '(("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=" NIL "keld" "dkuug.dk")) NIL NIL NIL NIL)',
    );
    assert.equal(
      envelopeOf(fixture('utf8-headers')),
      '(NIL "Grüße – naïve ☃" (("Jörg Müller" NIL "joerg" "example.de")) (("Jörg Müller" NIL "joerg" "example.de")) ' +
        '(("Jörg Müller" NIL "joerg" "example.de")) NIL (("André" NIL "andre" "example.fr")) NIL NIL NIL)',
    );
  });

  test('an empty message has an envelope of NILs', () => {
    assert.equal(envelopeOf(fixture('empty')), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  });
});

describe('BODYSTRUCTURE and BODY', () => {
  test('multipart/mixed in the shape of the RFC 3501 example', () => {
    const raw = fixture('rfc3501-mixed');
    assert.equal(
      bodyStructureOf(raw),
      '(("text" "plain" ("charset" "US-ASCII") NIL NIL "7bit" 25 1 NIL NIL NIL NIL) ' +
        '("text" "plain" ("charset" "US-ASCII" "name" "cc.diff") "<960723163407.20117h@cac.washington.edu>" ' +
        '"Compiler diff" "base64" 32 0 NIL NIL NIL NIL) "mixed" ("boundary" "----=_Part_0") NIL NIL NIL)',
    );
    assert.equal(
      bodyStructureOf(raw, false),
      '(("text" "plain" ("charset" "US-ASCII") NIL NIL "7bit" 25 1) ("text" "plain" ("charset" "US-ASCII" "name" "cc.diff") ' +
        '"<960723163407.20117h@cac.washington.edu>" "Compiler diff" "base64" 32 0) "mixed")',
    );
  });

  test('message/rfc822 inside multipart/mixed carries the nested envelope, body and line count', () => {
    assert.equal(
      bodyStructureOf(fixture('nested-rfc822')),
      '(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 0 NIL NIL NIL NIL) ' +
        '("message" "rfc822" NIL NIL NIL "7bit" 368 ("Mon, 1 Jan 2024 12:00:00 +0000" "Lunch" ' +
        '(("Carol" NIL "carol" "example.net")) (("Carol" NIL "carol" "example.net")) (("Carol" NIL "carol" "example.net")) ' +
        '(("Alice" NIL "alice" "example.com")) NIL NIL NIL "<inner@example.net>") ' +
        '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0 NIL NIL NIL NIL) ' +
        '("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 12 0 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL) ' +
        '17 NIL ("inline" NIL) NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL)',
    );
  });

  test('RFC 2231 parameters are sent in extended form; disposition, language and location are kept', () => {
    assert.equal(
      bodyStructureOf(fixture('rfc2231-attachment')),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 0 NIL NIL NIL NIL) ' +
        '("application" "pdf" ("name" "=?UTF-8?B?UmVjaG51bmcgw7xiZXIgMTAwIOKCrC5wZGY=?=") NIL NIL "base64" 8 NIL ' +
        '("attachment" ("filename*" "UTF-8\'\'Rechnung%20%C3%BCber%20100%20%E2%82%AC.pdf" "size" "7")) ("de" "en") ' +
        '"http://example.com/r.pdf") ("image" "png" NIL "<img1@example.com>" NIL "7bit" 3 NIL ("inline" ("filename" "dot.png")) ' +
        'NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL)',
    );
  });

  test('parts without Content-Type in multipart/digest are message/rfc822', () => {
    assert.equal(
      bodyStructureOf(fixture('digest'), false),
      '(("message" "rfc822" NIL NIL NIL "7bit" 49 (NIL "First" ((NIL NIL "one" "example.com")) ' +
        '((NIL NIL "one" "example.com")) ((NIL NIL "one" "example.com")) NIL NIL NIL NIL NIL) ' +
        '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 8 0) 3) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 0) "digest")',
    );
  });

  test('bare LF line endings are measured as they are', () => {
    assert.equal(
      bodyStructureOf(fixture('bare-lf'), false),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1) ("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 10 0) "alternative")',
    );
  });

  test('an empty message and a header-only message are empty text/plain bodies', () => {
    const expected = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)';
    assert.equal(bodyStructureOf(fixture('empty')), expected);
    assert.equal(bodyStructureOf(fixture('header-only')), expected);
  });

  test('a multipart without parts gets one empty text/plain part, as Dovecot sends', () => {
    const raw = bytes('Content-Type: multipart/mixed\r\n\r\nno boundary parameter\r\n');
    assert.equal(bodyStructureOf(raw, false), '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) "mixed")');
    assert.deepEqual(analyzeMessage(raw).defects, ['MULTIPART_WITHOUT_BOUNDARY']);
  });

  test('message/rfc822 with a transfer encoding is an opaque basic part', () => {
    const raw = bytes('Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nRnJvbTogYUBiDQoNCng=\r\n');
    assert.equal(bodyStructureOf(raw, false), '("message" "rfc822" NIL NIL NIL "base64" 22)');
  });
});

describe('BODY[section] byte ranges', () => {
  const raw = fixture('nested-rfc822');
  const summary = analyzeMessage(raw);
  const section = (path: number[], text: SectionText): string | null => {
    const range = sectionRange(summary, path, text);
    return range === null ? null : latin1(raw.subarray(range.start, range.end));
  };
  const inner =
    'From: Carol <carol@example.net>\r\nTo: Alice <alice@example.com>\r\nSubject: Lunch\r\n' +
    'Date: Mon, 1 Jan 2024 12:00:00 +0000\r\nMessage-ID: <inner@example.net>\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n';
  const innerBody =
    '--inner\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nNoon?\r\n--inner\r\n' +
    'Content-Type: text/html; charset=us-ascii\r\n\r\n<p>Noon?</p>\r\n--inner--\r\n';

  test('whole message, HEADER and TEXT', () => {
    assert.equal(section([], ''), latin1(raw));
    assert.equal(section([], 'HEADER'), latin1(raw).slice(0, 222));
    assert.ok(section([], 'HEADER')!.endsWith('boundary="outer"\r\n\r\n'));
    assert.equal(section([], 'TEXT'), latin1(raw).slice(222));
    assert.equal(section([], 'MIME'), null);
  });

  test('parts of the outer multipart', () => {
    assert.equal(section([1], ''), 'See below.');
    assert.equal(section([1], 'MIME'), 'Content-Type: text/plain; charset=utf-8\r\n\r\n');
    assert.equal(section([2], 'MIME'), 'Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n');
    assert.equal(section([2], ''), inner + innerBody);
  });

  test('HEADER and TEXT of a message/rfc822 part are those of the encapsulated message', () => {
    assert.equal(section([2], 'HEADER'), inner);
    assert.equal(section([2], 'HEADER.FIELDS'), inner);
    assert.equal(section([2], 'TEXT'), innerBody);
  });

  test('parts of the encapsulated message are numbered below it', () => {
    assert.equal(section([2, 1], ''), 'Noon?');
    assert.equal(section([2, 2], ''), '<p>Noon?</p>');
    assert.equal(section([2, 2], 'MIME'), 'Content-Type: text/html; charset=us-ascii\r\n\r\n');
  });

  test('sections that do not exist', () => {
    assert.equal(section([3], ''), null);
    assert.equal(section([0], ''), null);
    assert.equal(section([1, 1], ''), null);
    assert.equal(section([1], 'HEADER'), null);
    assert.equal(section([1], 'TEXT'), null);
    assert.equal(section([2, 3], ''), null);
  });

  test('BODY[1] of a non-multipart message is its body and BODY[1.MIME] its header', () => {
    const single = bytes('Subject: one\r\nContent-Type: text/plain\r\n\r\nJust text.\r\n');
    const singleSummary = analyzeMessage(single);
    const range1 = sectionRange(singleSummary, [1], '')!;
    assert.equal(latin1(single.subarray(range1.start, range1.end)), 'Just text.\r\n');
    const mime = sectionRange(singleSummary, [1], 'MIME')!;
    assert.equal(latin1(single.subarray(mime.start, mime.end)), 'Subject: one\r\nContent-Type: text/plain\r\n\r\n');
    assert.equal(sectionRange(singleSummary, [2], ''), null);
  });

  test('a message whose body is message/rfc822 has its parts under 1', () => {
    const wrapped = bytes('Content-Type: message/rfc822\r\n\r\nSubject: inside\r\n\r\nInner body\r\n');
    const wrappedSummary = analyzeMessage(wrapped);
    const part = (path: number[], text: SectionText) => {
      const range = sectionRange(wrappedSummary, path, text)!;
      return latin1(wrapped.subarray(range.start, range.end));
    };
    assert.equal(part([1], ''), 'Subject: inside\r\n\r\nInner body\r\n');
    assert.equal(part([1], 'HEADER'), 'Subject: inside\r\n\r\n');
    assert.equal(part([1, 1], ''), 'Inner body\r\n');
  });
});

describe('HEADER.FIELDS', () => {
  const header = bytes('From: a@b\r\nSubject: one\r\n two\r\nTo: c@d\r\nX-Broken line\r\nsubject: second\r\n\r\n');

  test('selects fields case-insensitively, folding kept, blank line appended', () => {
    assert.equal(latin1(selectHeaderFields(header, ['SUBJECT'], false)), 'Subject: one\r\n two\r\nsubject: second\r\n\r\n');
    assert.equal(latin1(selectHeaderFields(header, ['x-missing'], false)), '\r\n');
  });

  test('.NOT keeps everything else', () => {
    assert.equal(latin1(selectHeaderFields(header, ['subject'], true)), 'From: a@b\r\nTo: c@d\r\nX-Broken line\r\n\r\n');
  });

  test('a last field without a line break gets one before the blank line', () => {
    assert.equal(latin1(selectHeaderFields(bytes('Subject: x'), ['subject'], false)), 'Subject: x\r\n\r\n');
  });
});
