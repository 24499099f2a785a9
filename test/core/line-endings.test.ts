import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeLineEndings } from '../../mime/line-endings.ts';

async function normalize(pieces: string[]): Promise<string> {
  async function* source() {
    for (const piece of pieces) yield Buffer.from(piece, 'latin1');
  }
  const out: Buffer[] = [];
  for await (const chunk of normalizeLineEndings(source())) out.push(Buffer.from(chunk));
  return Buffer.concat(out).toString('latin1');
}

test('bare LF becomes CRLF; CRLF, lone CR and other bytes are untouched, across any chunking', async () => {
  const input = 'a\nb\r\nc\rd\n\n\r\r\ne';
  const expected = 'a\r\nb\r\nc\rd\r\n\r\n\r\r\ne';
  assert.equal(await normalize([input]), expected);
  for (let split = 0; split <= input.length; split++) {
    assert.equal(await normalize([input.slice(0, split), input.slice(split)]), expected, `split at ${split}`);
  }
  assert.equal(await normalize(input.split('')), expected);
  assert.equal(await normalize(['']), '');
});
