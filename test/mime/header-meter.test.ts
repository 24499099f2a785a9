// The header meter counts a header section's bytes and fields as it streams, whatever the
// chunking, and stops at the empty line: the body is never counted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderMeter, type HeaderVerdict } from '../../mime/header-meter.ts';

const encoder = new TextEncoder();

function measure(text: string, limits = { maxBytes: 1000, maxFields: 10 }, pieceSize = text.length): { verdict: HeaderVerdict; fields: number; bytes: number } {
  const meter = new HeaderMeter(limits);
  const bytes = encoder.encode(text);
  for (let offset = 0; offset < bytes.length && meter.verdict === 'reading'; offset += pieceSize) meter.push(bytes.subarray(offset, offset + pieceSize));
  return { verdict: meter.verdict, fields: meter.fields, bytes: meter.bytes };
}

describe('header meter', () => {
  test('counts fields (folded lines are one) and stops at the empty line, in any chunking', () => {
    const message = 'From: a@b\r\nTo: c@d,\r\n e@f\r\nSubject: x\r\n\r\nbody\r\nNot: a field\r\n';
    for (const pieceSize of [1, 2, 3, 7, message.length]) {
      assert.deepEqual(
        measure(message, undefined, pieceSize),
        { verdict: 'complete', fields: 3, bytes: message.indexOf('\r\n\r\n') + 4 },
        `pieces of ${pieceSize}`,
      );
    }
  });

  test('bare LF line ends count too, and a message without body or header', () => {
    assert.deepEqual(measure('A: 1\nB: 2\n\nbody'), { verdict: 'complete', fields: 2, bytes: 11 });
    assert.deepEqual(measure('\r\nbody'), { verdict: 'complete', fields: 0, bytes: 2 });
    assert.equal(measure('A: 1\r\nB: 2\r\n').verdict, 'reading');
  });

  test('past the field limit or the byte limit it says too large, and counts no further', () => {
    const many = Array.from({ length: 11 }, (_, index) => `X-${index}: v\r\n`).join('');
    assert.equal(measure(`${many}\r\n`).verdict, 'too large');
    assert.equal(measure(`${many.split('\r\n').slice(0, 10).join('\r\n')}\r\n\r\n`).verdict, 'complete');
    const long = `Subject: ${'a'.repeat(995)}\r\n\r\n`;
    const result = measure(long);
    assert.deepEqual([result.verdict, result.bytes], ['too large', 1001]);
    assert.equal(measure(`Subject: ${'a'.repeat(900)}\r\n\r\n${'b'.repeat(5000)}`).verdict, 'complete');
  });

  test('a million one-line fields are refused after the limit, not read to the end', () => {
    const meter = new HeaderMeter({ maxBytes: 1024 * 1024, maxFields: 2000 });
    const bomb = encoder.encode('a:b\r\n'.repeat(1_000_000));
    assert.equal(meter.push(bomb), 'too large');
    assert.equal(meter.fields, 2001);
    assert.ok(meter.bytes < 2001 * 5 + 1);
  });
});
