import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatSequenceRanges,
  formatSequenceSet,
  normaliseRanges,
  parseSequenceSet,
  resolveSequenceNumbers,
  resolveUids,
  type SequenceSet,
} from '../../../server/imap/proto/seqset.ts';
import { ProtoError } from '../../../server/imap/proto/errors.ts';

const ranges = (text: string) => {
  const set = parseSequenceSet(text);
  assert.equal(set.kind, 'ranges');
  return (set as Extract<SequenceSet, { kind: 'ranges' }>).ranges;
};

describe('seqset: parsing', () => {
  test('numbers, ranges, stars, reversed ranges and $', () => {
    assert.deepEqual(parseSequenceSet('1:*'), { kind: 'ranges', ranges: [{ from: 1, to: '*' }] });
    assert.deepEqual(parseSequenceSet('*:4,7,9:3'), {
      kind: 'ranges',
      ranges: [
        { from: '*', to: 4 },
        { from: 7, to: 7 },
        { from: 9, to: 3 },
      ],
    });
    assert.deepEqual(parseSequenceSet('*'), { kind: 'ranges', ranges: [{ from: '*', to: '*' }] });
    assert.deepEqual(parseSequenceSet('4294967295'), { kind: 'ranges', ranges: [{ from: 4294967295, to: 4294967295 }] });
    assert.deepEqual(parseSequenceSet('$'), { kind: 'saved' });
  });
  for (const bad of ['', '0', '0:5', '01', '1:', ':1', '1,,2', '1,', ',1', 'a', '1:a', '1 2', '4294967296', '1:2:3', '$,1', '1,$', '-1', '*:*:*', '1.5']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseSequenceSet(bad),
        (e: unknown) => e instanceof ProtoError && e.code === 'INVALID_SEQUENCE_SET',
      );
    });
  }
  test('$ can be refused where the grammar has no SEARCHRES', () => {
    assert.throws(() => parseSequenceSet('$', false), ProtoError);
  });
});

describe('seqset: resolving', () => {
  test('message numbers: * is the message count, overlaps merge, order is ascending', () => {
    assert.deepEqual(resolveSequenceNumbers(ranges('2:4,3:5,*,1'), 7), [1, 2, 3, 4, 5, 7]);
    assert.deepEqual(resolveSequenceNumbers(ranges('*:5'), 7), [5, 6, 7]);
    assert.deepEqual(resolveSequenceNumbers(ranges('3:1'), 3), [1, 2, 3]);
  });
  test('message numbers above the count are an error; * in an empty mailbox names nothing', () => {
    assert.throws(
      () => resolveSequenceNumbers(ranges('8'), 7),
      (e: unknown) => e instanceof ProtoError && e.code === 'MESSAGE_NUMBER_OUT_OF_RANGE',
    );
    assert.throws(() => resolveSequenceNumbers(ranges('5:9'), 7), ProtoError);
    assert.deepEqual(resolveSequenceNumbers(ranges('1:*'), 0), []);
    assert.throws(() => resolveSequenceNumbers(ranges('1'), 0), ProtoError);
  });
  test('UIDs: missing UIDs are ignored and n:* includes the last message even past it', () => {
    const uids = [3, 5, 9, 10, 20];
    assert.deepEqual(resolveUids(ranges('1:*'), uids), [1, 2, 3, 4, 5]);
    assert.deepEqual(resolveUids(ranges('4:9'), uids), [2, 3]);
    assert.deepEqual(resolveUids(ranges('100:*'), uids), [5]);
    assert.deepEqual(resolveUids(ranges('*'), uids), [5]);
    assert.deepEqual(resolveUids(ranges('6:8,21:30'), uids), []);
    assert.deepEqual(resolveUids(ranges('10,3,9:5'), uids), [1, 2, 3, 4]);
    assert.deepEqual(resolveUids(ranges('1:*'), []), []);
  });
  test('normalised ranges are merged and ordered', () => {
    assert.deepEqual(normaliseRanges(ranges('9:7,1,2,4:5,*'), 20), [
      [1, 2],
      [4, 5],
      [7, 9],
      [20, 20],
    ]);
  });
});

describe('seqset: compact form', () => {
  test('sorted, deduplicated runs', () => {
    assert.equal(formatSequenceSet([1, 2, 3, 4, 5, 7, 9, 10, 11, 12]), '1:5,7,9:12');
    assert.equal(formatSequenceSet([12, 3, 3, 1, 2]), '1:3,12');
    assert.equal(formatSequenceSet([4294967295]), '4294967295');
  });
  test('order kept for COPYUID pairing', () => {
    assert.equal(formatSequenceSet([5, 6, 1, 2], true), '5:6,1:2');
  });
  test('an empty set cannot be written', () => {
    assert.throws(() => formatSequenceSet([]), ProtoError);
  });
  test('typed sets back to text', () => {
    assert.equal(formatSequenceRanges(parseSequenceSet('1:*,4,*:2')), '1:*,4,*:2');
    assert.equal(formatSequenceRanges(parseSequenceSet('$')), '$');
  });
});
