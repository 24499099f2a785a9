import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDateTime, parseDate, parseDateTime } from '../../../server/imap/proto/datetime.ts';
import { ProtoError } from '../../../server/imap/proto/errors.ts';

describe('date-time', () => {
  test('RFC 3501 examples parse to the instant and keep the zone', () => {
    assert.deepEqual(parseDateTime('17-Jul-1996 02:44:25 -0700'), { timestamp: Date.UTC(1996, 6, 17, 9, 44, 25), offsetMinutes: -420 });
    assert.deepEqual(parseDateTime(' 7-Feb-1994 21:52:25 -0800'), { timestamp: Date.UTC(1994, 1, 8, 5, 52, 25), offsetMinutes: -480 });
    assert.deepEqual(parseDateTime('01-jan-2024 00:00:00 +0530'), { timestamp: Date.UTC(2023, 11, 31, 18, 30, 0), offsetMinutes: 330 });
    assert.deepEqual(parseDateTime('29-Feb-2000 23:59:60 +0000'), { timestamp: Date.UTC(2000, 2, 1, 0, 0, 0), offsetMinutes: 0 });
  });
  test('format is the exact inverse', () => {
    for (const text of ['17-Jul-1996 02:44:25 -0700', ' 7-Feb-1994 21:52:25 -0800', '31-Dec-2099 23:59:59 +1400', ' 1-Jan-1970 00:00:00 +0000']) {
      const parsed = parseDateTime(text);
      assert.equal(formatDateTime(parsed.timestamp, parsed.offsetMinutes), text);
    }
    assert.equal(formatDateTime(0), ' 1-Jan-1970 00:00:00 +0000');
  });
  const invalid = [
    '',
    '17-Jul-1996 02:44:25',
    '7-Feb-1994 21:52:25 -0800',
    '17-Jul-96 02:44:25 -0700',
    '17-Foo-1996 02:44:25 -0700',
    '30-Feb-2000 00:00:00 +0000',
    '29-Feb-1900 00:00:00 +0000',
    '17-Jul-1996 24:00:00 -0700',
    '17-Jul-1996 02:60:00 -0700',
    '17-Jul-1996 02:44:61 -0700',
    '17-Jul-1996 02:44:25 0700',
    '17-Jul-1996 02:44:25 -0760',
    '17-Jul-1996 2:44:25 -0700',
    '17-Jul-1996 02:44:25 -0700 ',
    '00-Jul-1996 02:44:25 -0700',
    '17-Jul-0999 02:44:25 -0700',
    '17 Jul 1996 02:44:25 -0700',
  ];
  for (const text of invalid) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseDateTime(text),
        (e: unknown) => e instanceof ProtoError && e.code === 'INVALID_DATE',
      );
    });
  }
});

describe('date (SEARCH)', () => {
  test('one or two digit days, month in any case', () => {
    assert.deepEqual(parseDate('1-Feb-1994'), { year: 1994, month: 2, day: 1 });
    assert.deepEqual(parseDate('01-FEB-1994'), { year: 1994, month: 2, day: 1 });
    assert.deepEqual(parseDate('29-feb-2024'), { year: 2024, month: 2, day: 29 });
  });
  for (const text of ['', '1-Feb-94', '001-Feb-1994', '29-Feb-2023', '32-Jan-2000', '1-Feb-1994 ', 'x-Feb-1994', '1-Febr-1994', '1/Feb/1994']) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseDate(text),
        (e: unknown) => e instanceof ProtoError && e.code === 'INVALID_DATE',
      );
    });
  }
});
