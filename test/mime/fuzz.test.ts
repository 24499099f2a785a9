// Fuzzing the analyzer with random and mutated messages: it must never throw, finish
// fast, keep offsets within [0, size] and nested, agree between streaming and one-shot
// use, and produce data the IMAP formatter and text extraction accept. Seeds are fixed,
// so a failure names a reproducible case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { analyzeMessage, createMessageAnalyzer } from '../../mime/structure.ts';
import { extractText } from '../../mime/decode.ts';
import { sectionRange } from '../../mime/imap-format.ts';
import { assertWellFormed } from './invariants.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const fixturesDirectory = new URL('../fixtures/mime/', import.meta.url);
const fixtures = readdirSync(fixturesDirectory)
  .filter((name) => name.endsWith('.eml'))
  .map((name) => new Uint8Array(readFileSync(new URL(name, fixturesDirectory))));
const encoder = new TextEncoder();

const TOKENS = [
  '\r\n',
  '\n',
  '\r',
  '--b',
  '--b--',
  '--c',
  '--c--',
  '--',
  ' ',
  '\t',
  'text ',
  '\0',
  '\xff\xfe',
  '=?',
  '?=',
  '<',
  '>',
  '"',
  '(',
  ')',
  ':',
  ';',
  ',',
  '@',
  '=\r\n',
  '=4',
  '&amp;',
  '<script>',
  '<p>',
  '\r\n\r\n',
  'Content-Type: multipart/mixed; boundary=b\r\n',
  'Content-Type: multipart/alternative; boundary="c"\r\n',
  'Content-Type: multipart/digest; boundary=b\r\n',
  'Content-Type: message/rfc822\r\n',
  'Content-Type: text/html\r\n',
  'Content-Type: text/plain; charset=iso-2022-jp\r\n',
  'Content-Transfer-Encoding: base64\r\n',
  'Content-Transfer-Encoding: quoted-printable\r\n',
  "Content-Disposition: attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC\r\n",
  'From: =?utf-8?q?J=C3=B6rg?= <a@b>, group: c@d;\r\n',
  'Subject: Re: [x] =?utf-8?B?w6k=?= (fwd)\r\n',
  ' folded\r\n',
  'To: "unterminated <x@y\r\n',
  'Date: 31 Feb 2024 25:61 +9999\r\n',
  'References: <a@b> <c\r\n',
];

function randomMessage(random: () => number): Uint8Array {
  let text = '';
  const count = Math.floor(random() * 80);
  for (let i = 0; i < count; i++) text += TOKENS[Math.floor(random() * TOKENS.length)];
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

function mutate(original: Uint8Array, random: () => number): Uint8Array {
  let data = Uint8Array.from(original);
  const mutations = 1 + Math.floor(random() * 4);
  for (let m = 0; m < mutations; m++) {
    const at = Math.floor(random() * (data.length + 1));
    switch (Math.floor(random() * 7)) {
      case 0: // flip bytes
        for (let i = 0; i < 1 + random() * 8 && data.length > 0; i++) {
          const index = Math.floor(random() * data.length);
          data[index] = data[index]! ^ (1 << Math.floor(random() * 8));
        }
        break;
      case 1: // cut
        data = data.subarray(0, at);
        break;
      case 2: {
        // duplicate a boundary-looking line elsewhere
        const text = Buffer.from(data).toString('latin1');
        const lines = text.split('\n').filter((line) => line.startsWith('--'));
        const line = lines[Math.floor(random() * lines.length)] ?? '--b';
        data = new Uint8Array(Buffer.concat([data.subarray(0, at), Buffer.from(`\r\n${line}\n`, 'latin1'), data.subarray(at)]));
        break;
      }
      case 3: {
        // duplicate a segment
        const length = Math.floor(random() * 200);
        const from = Math.floor(random() * Math.max(1, data.length - length));
        data = new Uint8Array(Buffer.concat([data.subarray(0, at), data.subarray(from, from + length), data.subarray(at)]));
        break;
      }
      case 4: // delete a segment
        data = new Uint8Array(Buffer.concat([data.subarray(0, at), data.subarray(at + Math.floor(random() * 100))]));
        break;
      case 5: // CRLF to LF
        data = new Uint8Array(Buffer.from(Buffer.from(data).toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
        break;
      default: // insert random bytes or a token
        data = new Uint8Array(Buffer.concat([data.subarray(0, at), Buffer.from(TOKENS[Math.floor(random() * TOKENS.length)]!, 'latin1'), data.subarray(at)]));
    }
  }
  return data;
}

function check(raw: Uint8Array, random: () => number, compareStreaming: boolean): void {
  const summary = analyzeMessage(raw);
  assertWellFormed(summary, raw);
  extractText(raw, summary);
  for (const text of ['', 'HEADER', 'TEXT', 'MIME'] as const) {
    const path = Array.from({ length: Math.floor(random() * 3) }, () => 1 + Math.floor(random() * 3));
    const range = sectionRange(summary, path, text);
    if (range) assert.ok(range.start >= 0 && range.start <= range.end && range.end <= raw.length);
  }
  if (compareStreaming) {
    const analyzer = createMessageAnalyzer();
    let position = 0;
    while (position < raw.length) {
      const size = random() < 0.3 ? 1 : 1 + Math.floor(random() * 97);
      analyzer.push(raw.subarray(position, position + size));
      position += size;
    }
    assert.equal(JSON.stringify(analyzer.finish()), JSON.stringify(summary), 'streaming and one-shot summaries differ');
  }
}

test('random token soup: 2000 messages', () => {
  const random = seededRandom(1);
  for (let round = 0; round < 2000; round++) check(randomMessage(random), random, round % 4 === 0);
});

test('mutated fixtures: 3000 messages', () => {
  const random = seededRandom(2);
  for (let round = 0; round < 3000; round++) {
    const base = fixtures[round % fixtures.length]!;
    check(mutate(base, random), random, round % 5 === 0);
  }
});

test('pure random bytes: 300 messages', () => {
  const random = seededRandom(3);
  for (let round = 0; round < 300; round++) {
    const raw = new Uint8Array(Math.floor(random() * 4000)).map(() => (random() < 0.2 ? 0x0a : Math.floor(random() * 256)));
    check(raw, random, round % 3 === 0);
  }
});

// How fast they are is measured by scripts/bench-hostile-input.ts, not asserted here; the
// timeout only catches a hang.
test('hostile shapes give a well-formed summary', { timeout: 60_000 }, () => {
  const hostile = [
    `Subject: ${'[a]'.repeat(20000)}\r\n\r\n`,
    `Subject: ${'re: '.repeat(15000)}\r\n\r\n`,
    `To: ${'<'.repeat(60000)}\r\n\r\n`,
    `To: ${'a:'.repeat(30000)}\r\n\r\n`,
    `Content-Type: text/plain${'; a*1*=%41'.repeat(6000)}\r\n\r\n`,
    `Subject: ${'=?utf-8?q?a?= =?iso-8859-1?q?b?= '.repeat(1900)}\r\n\r\n`,
    `Content-Type: text/html\r\n\r\n${'<'.repeat(500000)}`,
  ];
  for (const text of hostile) {
    const raw = encoder.encode(text);
    assertWellFormed(analyzeMessage(raw), raw);
  }
});
