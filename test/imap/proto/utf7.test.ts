import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModifiedUtf7, encodeModifiedUtf7 } from '../../../server/imap/proto/utf7.ts';
import { ProtoError } from '../../../server/imap/proto/errors.ts';

const pairs: Array<[string, string]> = [
  ['INBOX', 'INBOX'],
  ['', ''],
  ['&', '&-'],
  ['a&b&&', 'a&-b&-&-'],
  ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'], // RFC 3501 5.1.3
  ['Entwürfe', 'Entw&APw-rfe'],
  ['Gelöschte Elemente', 'Gel&APY-schte Elemente'],
  ['Отправленные', '&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-'],
  ['😀 smile', '&2D3eAA- smile'],
  ['ü&ü', '&APw-&-&APw-'],
  ['tab\there', 'tab&AAk-here'],
];

describe('modified UTF-7', () => {
  for (const [text, encoded] of pairs) {
    test(`${JSON.stringify(text)} <-> ${encoded}`, () => {
      assert.equal(encodeModifiedUtf7(text), encoded);
      assert.equal(decodeModifiedUtf7(encoded), text);
    });
  }

  const invalid: Array<[string, string]> = [
    ['&', 'unterminated'],
    ['&AGE', 'unterminated'],
    ['&AGE-&AGE-', 'adjacent runs must be one run'],
    ['&AGE-', 'encodes printable ASCII "a"'],
    ['&ACY-', 'encodes "&"'],
    ['&APw', 'unterminated'],
    ['&APx-', 'non-zero padding bits'],
    ['&APwA-', 'extra base64 character'],
    ['&A-', 'too few bits for a character'],
    ['&AP/-', '"/" is not in the modified alphabet'],
    ['&AP=-', '"=" padding is not used'],
    ['&2D0-', 'unpaired high surrogate'],
    ['&3gA-', 'unpaired low surrogate'],
    ['Entwürfe', 'raw 8-bit'],
    ['a\u0001b', 'control character'],
  ];
  for (const [encoded, why] of invalid) {
    test(`rejects ${JSON.stringify(encoded)} (${why})`, () => {
      assert.throws(
        () => decodeModifiedUtf7(encoded),
        (e: unknown) => e instanceof ProtoError && e.code === 'INVALID_MAILBOX_NAME',
      );
    });
  }

  test('random round trips', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let n = 0; n < 500; n++) {
      let text = '';
      const length = next() % 12;
      for (let i = 0; i < length; i++) {
        const pick = next() % 4;
        text += pick === 0 ? '&' : pick === 1 ? String.fromCharCode(0x20 + (next() % 95)) : pick === 2 ? String.fromCharCode(0xa0 + (next() % 0xd000)) : '😀';
      }
      assert.equal(decodeModifiedUtf7(encodeModifiedUtf7(text)), text);
    }
  });
});
