import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList, unquoteLocalPart } from '../../mime/address.ts';
import { extractBaseSubject } from '../../mime/base-subject.ts';
import { parseMailDate } from '../../mime/date.ts';
import { parseMessageId, parseMessageIds } from '../../mime/message-id.ts';
import { paramValue, parseStructuredHeader } from '../../mime/params.ts';

const addresses = (value: string) => parseAddressList(value).entries;

describe('address lists', () => {
  test('semicolons used as separators', () => {
    assert.deepEqual(addresses('a@b.c; d@e.f'), [
      { name: null, mailbox: 'a', host: 'b.c' },
      { name: null, mailbox: 'd', host: 'e.f' },
    ]);
  });

  test('a display name without angle brackets', () => {
    assert.deepEqual(addresses('John Smith john@x.com'), [{ name: 'John Smith', mailbox: 'john', host: 'x.com' }]);
  });

  test('quoted names are unquoted and unescaped; commas inside quotes do not split', () => {
    assert.deepEqual(addresses('"Smith, John" <john@x.com>, "Doe \\"JD\\" Jane" <jane@y.org>, "a@b" <c@d>'), [
      { name: 'Smith, John', mailbox: 'john', host: 'x.com' },
      { name: 'Doe "JD" Jane', mailbox: 'jane', host: 'y.org' },
      { name: 'a@b', mailbox: 'c', host: 'd' },
    ]);
  });

  test('quoted local parts keep their quotes; sort keys unquote them', () => {
    const [address] = addresses('"john smith"@example.com');
    assert.deepEqual(address, { name: null, mailbox: '"john smith"', host: 'example.com' });
    assert.equal(unquoteLocalPart('"john smith"'), 'john smith');
  });

  test('empty, comment-only, null path, bare words and domain literals', () => {
    assert.deepEqual(addresses(''), []);
    assert.deepEqual(addresses('(only a comment)'), []);
    assert.deepEqual(addresses('<>'), [{ name: null, mailbox: '', host: '' }]);
    assert.deepEqual(addresses('Undisclosed recipients'), [{ name: null, mailbox: 'Undisclosed recipients', host: '' }]);
    assert.deepEqual(addresses('root@[127.0.0.1]'), [{ name: null, mailbox: 'root', host: '[127.0.0.1]' }]);
  });

  test('encoded display names and group names are decoded beside the raw form', () => {
    assert.deepEqual(addresses('=?utf-8?q?Gr=C3=BCn?= <g@x>, =?utf-8?q?T=C3=A9am?=: a@b;'), [
      { name: '=?utf-8?q?Gr=C3=BCn?=', decodedName: 'Grün', mailbox: 'g', host: 'x' },
      { group: '=?utf-8?q?T=C3=A9am?=', decodedGroup: 'Téam' },
      { name: null, mailbox: 'a', host: 'b' },
      { groupEnd: true },
    ]);
  });

  test('an unterminated group is closed', () => {
    assert.deepEqual(addresses('team: a@b, c@d'), [
      { group: 'team' },
      { name: null, mailbox: 'a', host: 'b' },
      { name: null, mailbox: 'c', host: 'd' },
      { groupEnd: true },
    ]);
  });
});

describe('RFC 5256 base subject', () => {
  const cases: Array<[string, string, boolean]> = [
    ['Re: Fwd: [list] Hello (fwd)', 'Hello', true],
    ['[fwd: Re: hello]', 'hello', true],
    ['[PATCH] fix the thing', 'fix the thing', false],
    ['[only-blob]', '[only-blob]', false],
    ['RE[2]: x', 'x', true],
    ['FWD : x', 'x', true],
    ['Fw:x', 'x', true],
    ['Re: Re: re: x', 'x', true],
    ['x (fwd) (FWD)', 'x', true],
    ['Regarding the matter', 'Regarding the matter', false],
    ['  a \t  b  ', 'a b', false],
    ['Re:   ', '', true],
    ['', '', false],
  ];
  for (const [subject, base, isReplyOrForward] of cases) {
    test(JSON.stringify(subject), () => assert.deepEqual(extractBaseSubject(subject), { base, isReplyOrForward }));
  }
});

describe('Date header', () => {
  const cases: Array<[string | null, number | null]> = [
    ['Thu, 15 Feb 2007 01:02:03 +0200', Date.UTC(2007, 1, 14, 23, 2, 3)],
    ['Wed, 17 Jul 1996 02:23:25 -0700 (PDT)', Date.UTC(1996, 6, 17, 9, 23, 25)],
    ['15 Feb 2007 01:02 -0500', Date.UTC(2007, 1, 15, 6, 2, 0)],
    ['Mon, 1 Jan 24 10:00:00 GMT', Date.UTC(2024, 0, 1, 10, 0, 0)],
    ['1 Jan 99 00:00 PST', Date.UTC(1999, 0, 1, 8, 0, 0)],
    ['Mon,  3 Jun 2024 7:05:09 +0000', Date.UTC(2024, 5, 3, 7, 5, 9)],
    ['5 October 2023 10:00:00 +0000', Date.UTC(2023, 9, 5, 10, 0, 0)],
    ['Tue, 2 Jan 2024 09:00:00 (no zone)', Date.UTC(2024, 0, 2, 9, 0, 0)],
    ['2024-01-02T09:00:00+01:00', Date.UTC(2024, 0, 2, 8, 0, 0)],
    ['31 Feb 2024 10:00 +0000', null],
    ['1 Jan 2024 25:00 +0000', null],
    ['garbage', null],
    [null, null],
  ];
  for (const [value, expected] of cases) {
    test(JSON.stringify(value), () => assert.equal(parseMailDate(value), expected));
  }
});

describe('message ids', () => {
  test('lists, comments and whitespace inside ids', () => {
    assert.deepEqual(parseMessageIds('<a@b> <c@d>'), ['a@b', 'c@d']);
    assert.deepEqual(parseMessageIds('<a@b>(comment <x@y>) <c @ d>'), ['a@b', 'c@d']);
    assert.deepEqual(parseMessageIds('<no-at-sign> junk'), []);
    assert.deepEqual(parseMessageIds(null), []);
  });

  test('a Message-ID without brackets is accepted whole', () => {
    assert.equal(parseMessageId('<x@y>'), 'x@y');
    assert.equal(parseMessageId(' abc@def '), 'abc@def');
    assert.equal(parseMessageId('not an id'), null);
  });
});

describe('content parameters', () => {
  test('RFC 2231 section 3: continuations', () => {
    const parsed = parseStructuredHeader(
      'message/external-body; access-type=URL;\r\n URL*0="ftp://";\r\n URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"',
    );
    assert.equal(parsed.value, 'message/external-body');
    assert.deepEqual(parsed.params, [
      { name: 'access-type', value: 'URL' },
      { name: 'url', value: 'ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar' },
    ]);
  });

  test('RFC 2231 sections 4 and 4.1: charset, language and mixed encoded sections', () => {
    assert.deepEqual(parseStructuredHeader("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A").params, [
      { name: 'title', value: 'This is ***fun***', raw: "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", extended: true },
    ]);
    const mixed = parseStructuredHeader(
      "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
    );
    assert.equal(paramValue(mixed.params, 'title'), "This is even more ***fun*** isn't it!");
    assert.equal(mixed.params[0]!.raw, "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!");
  });

  test('UTF-8 and Latin-1 extended values; an extended value beats a plain duplicate', () => {
    const parsed = parseStructuredHeader('attachment; filename="fallback.pdf"; filename*=UTF-8\'\'%E2%82%AC%20r%C3%A9sum%C3%A9.pdf');
    assert.equal(parsed.value, 'attachment');
    assert.deepEqual(
      parsed.params.map((param) => [param.name, param.value]),
      [['filename', '€ résumé.pdf']],
    );
    assert.equal(paramValue(parseStructuredHeader("x/y; name*=iso-8859-1''caf%E9").params, 'name'), 'café');
  });

  test('encoded words in quoted values, broken quoting, unquoted spaces, comments', () => {
    assert.deepEqual(parseStructuredHeader('text/plain; name="=?UTF-8?B?w6k=?="').params, [{ name: 'name', value: 'é', raw: '=?UTF-8?B?w6k=?=' }]);
    assert.equal(paramValue(parseStructuredHeader('text/plain; name="unterminated').params, 'name'), 'unterminated');
    assert.equal(paramValue(parseStructuredHeader('text/plain; name=my file.pdf; x=1').params, 'name'), 'my file.pdf');
    assert.equal(paramValue(parseStructuredHeader('text/plain; name="a \\"q\\" b"').params, 'name'), 'a "q" b');
    assert.deepEqual(parseStructuredHeader('Text/Plain (comment); Charset="UTF-8" (c)').params, [{ name: 'charset', value: 'UTF-8' }]);
    assert.equal(parseStructuredHeader('Text / Plain').value, 'text/plain');
    assert.deepEqual(parseStructuredHeader('text/plain;;; =x; novalue; ok=1').params, [{ name: 'ok', value: '1' }]);
  });
});
