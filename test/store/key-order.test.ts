// compareKeys must agree with the bytewise order of UTF-8 encodings (LevelDB's order) for
// every pair of well-formed strings, on both its fast path and its code-unit loop.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKeys } from '../../server/store/memory/key-order.ts';

/** Code points from every UTF-8 length class and the edges where UTF-16 order goes wrong. */
const CODE_POINTS = [0x00, 0x01, 0x2f, 0x30, 0x61, 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x1f4e8, 0x1f600, 0x10ffff];

test('compareKeys orders like Buffer.compare of the UTF-8 bytes', () => {
  let state = 12345;
  const random = (below: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % below;
  };
  const randomKey = () => String.fromCodePoint(...Array.from({ length: 1 + random(4) }, () => CODE_POINTS[random(CODE_POINTS.length)] as number));
  for (let round = 0; round < 20_000; round++) {
    const a = randomKey();
    const b = round % 3 === 0 ? a + randomKey() : randomKey();
    const expected = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    assert.equal(Math.sign(compareKeys(a, b)), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    assert.equal(Math.sign(compareKeys(b, a)), -expected);
  }
});
