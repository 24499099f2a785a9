// The receiver: framing, literals, APPEND streaming, limits and resynchronisation. Every
// script is fed byte by byte, whole, and in random splits, and must give the same events.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Receiver, LITERAL_MINUS_LIMIT } from '../../../server/imap/proto/receiver.ts';
import { decode, drive, encode, prng, splitEvery, splitRandomly, type DriveOptions, type PlainEvent } from './support.ts';

/** Events for `script` fed three ways; asserts they agree and returns them. */
function receive(script: string | Uint8Array, options: DriveOptions = {}): PlainEvent[] {
  const bytes = typeof script === 'string' ? encode(script) : script;
  const whole = drive([bytes], options);
  assert.deepEqual(drive(splitEvery(bytes, 1), options), whole, 'byte at a time');
  for (const seed of [1, 2, 3, 42]) {
    assert.deepEqual(drive(splitRandomly(bytes, prng(seed)), options), whole, `random split, seed ${seed}`);
  }
  return whole;
}

const noop = (tag: string) => ({ kind: 'command', tag, request: { name: 'NOOP' } });
const error = (code: string, tag?: string) => ({ kind: 'error', code, tag });
const login = (tag: string, username: string, password: string) => ({ kind: 'command', tag, request: { name: 'LOGIN', username, password } });

describe('receiver: framing', () => {
  test('pipelined commands, CRLF and bare LF, blank lines ignored', () => {
    assert.deepEqual(receive('a NOOP\r\n\r\nb NOOP\nc NOOP\r\n'), [noop('a'), noop('b'), noop('c')]);
  });

  test('an incomplete line yields nothing until its end arrives', () => {
    const r = new Receiver();
    r.feed(encode('a NO'));
    assert.equal(r.next(), undefined);
    r.feed(encode('OP\r\n'));
    assert.equal(r.next()?.kind, 'command');
    assert.equal(r.next(), undefined);
    assert.equal(r.bufferedBytes, 0);
  });

  test('synchronising literals ask for a continuation, non-synchronising do not', () => {
    assert.deepEqual(receive('a LOGIN {5}\r\nalice {6+}\r\nsecret\r\n'), [{ kind: 'literal-continuation', tag: 'a', size: 5 }, login('a', 'alice', 'secret')]);
  });

  test('zero-length literals and literals with CRLF inside', () => {
    assert.deepEqual(receive('a LOGIN {0+}\r\n {4+}\r\n\r\n\r\n\r\nb NOOP\r\n'), [login('a', '', '\r\n\r\n'), noop('b')]);
  });

  test('literal8 outside APPEND may carry NUL; a plain literal may not', () => {
    const events = receive(
      new Uint8Array([
        ...encode('a LOGIN x ~{3+}\r\n'),
        0x61,
        0x00,
        0x62,
        ...encode('\r\nb LOGIN x {3+}\r\n'),
        0x61,
        0x00,
        0x62,
        ...encode(' more\r\nc NOOP\r\n'),
      ]),
    );
    assert.deepEqual(events, [login('a', 'x', 'a\0b'), error('SYNTAX', 'b'), noop('c')]);
  });

  test('RFC 9051 6.4.4: a UTF-8 search string as a non-synchronising literal', () => {
    const events = receive('A284 SEARCH RETURN (MIN MAX) CHARSET UTF-8 TEXT {12+}\r\nтестик\r\n');
    assert.deepEqual(events, [
      {
        kind: 'command',
        tag: 'A284',
        request: {
          name: 'SEARCH',
          returnOptions: { min: true, max: true, all: false, count: false, save: false },
          charset: 'UTF-8',
          criteria: { type: 'text', value: 'тестик' },
        },
      },
    ]);
  });

  test('literals inside lists and search programs', () => {
    const events = receive('a SEARCH CHARSET UTF-8 OR (SUBJECT {5+}\r\ncafé) TEXT {2}\r\nhi\r\n');
    assert.deepEqual(events, [
      { kind: 'literal-continuation', tag: 'a', size: 2 },
      {
        kind: 'command',
        tag: 'a',
        request: {
          name: 'SEARCH',
          returnOptions: undefined,
          charset: 'UTF-8',
          criteria: { type: 'or', left: { type: 'header', field: 'Subject', value: 'café' }, right: { type: 'text', value: 'hi' } },
        },
      },
    ]);
  });
});

describe('receiver: limits and resynchronisation', () => {
  test('a synchronising literal over the limit is refused; the client sends nothing more for it', () => {
    assert.deepEqual(receive('a LOGIN {70000}\r\nb NOOP\r\n'), [error('LITERAL_TOO_LARGE', 'a'), noop('b')]);
  });

  test('a non-synchronising literal over the limit is skipped with the rest of its command', () => {
    const big = 'x'.repeat(70_000);
    assert.deepEqual(receive(`a LOGIN {70000+}\r\n${big} {3+}\r\nabc\r\nb NOOP\r\n`), [error('LITERAL_TOO_LARGE', 'a'), noop('b')]);
  });

  test('LITERAL-: non-synchronising literals above 4096 bytes are BAD and skipped', () => {
    const limits = { maxNonSynchronisingLiteral: LITERAL_MINUS_LIMIT };
    const body = 'y'.repeat(4097);
    assert.deepEqual(receive(`a LOGIN x {4097+}\r\n${body}\r\nb LOGIN x {4096+}\r\n${body.slice(1)}\r\n`, { limits }), [
      error('NON_SYNC_LITERAL_TOO_LARGE', 'a'),
      login('b', 'x', body.slice(1)),
    ]);
  });

  test('an overlong line is rejected with its tag and the next command is read', () => {
    const long = `a1 SEARCH TEXT ${'z'.repeat(70_000)}`;
    assert.deepEqual(receive(`${long}\r\nb NOOP\r\n`), [error('LINE_TOO_LONG', 'a1'), noop('b')]);
  });

  test('an overlong line that announces a non-synchronising literal skips that literal', () => {
    const long = `a1 SEARCH TEXT ${'z'.repeat(70_000)} {5+}`;
    assert.deepEqual(receive(`${long}\r\nb NOOP\r\nc NOOP\r\n`), [error('LINE_TOO_LONG', 'a1'), noop('c')]);
  });

  test('the command size limit counts all lines and literals', () => {
    const piece = 'q'.repeat(60_000);
    const script = `a LOGIN {60000+}\r\n${piece} {60000+}\r\n${piece}\r\n`;
    assert.deepEqual(receive(script, { limits: { maxCommandSize: 100_000 } }), [error('COMMAND_TOO_LARGE', 'a')]);
  });

  test('parenthesis bombs are capped', () => {
    assert.deepEqual(receive(`a SEARCH ${'('.repeat(100)}ALL${')'.repeat(100)}\r\nb NOOP\r\n`), [error('NESTING_TOO_DEEP', 'a'), noop('b')]);
  });

  test('an error before a non-synchronising literal skips the literal and what follows it', () => {
    assert.deepEqual(receive('a LOGIN "x {3+}\r\nabc more words {2+}\r\nzz\r\nb NOOP\r\n'), [error('SYNTAX', 'a'), noop('b')]);
  });

  test('garbage and binary lines give errors, never events with data', () => {
    const garbage = new Uint8Array([0x00, 0xff, 0xfe, 0x20, 0x80, 0x0d, 0x0a, 0x7b, 0x7d, 0x0d, 0x0a, 0x29, 0x28, 0x0a]);
    const events = receive(new Uint8Array([...garbage, ...encode('GET / HTTP/1.1\r\nb NOOP\r\n')]));
    assert.deepEqual(events.at(-1), noop('b'));
    assert.ok(events.slice(0, -1).every((e) => e.kind === 'error'));
  });

  test('a tag that is not valid gives an untagged error', () => {
    assert.deepEqual(receive('+x NOOP\r\n(a) NOOP\r\nb NOOP\r\n'), [error('INVALID_TAG'), error('INVALID_TAG'), noop('b')]);
  });
});

describe('receiver: APPEND streaming', () => {
  const appendHead = { mailbox: 'saved-messages', flags: ['\\Seen'], internalDate: undefined, utf8: false };

  test('RFC 3501 APPEND example: begin, chunks, complete', () => {
    const message = 'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n';
    const events = receive(`A003 APPEND saved-messages (\\Seen) {${message.length}}\r\n${message}\r\nA004 NOOP\r\n`);
    assert.deepEqual(events, [
      { kind: 'append-begin', tag: 'A003', head: appendHead, size: message.length, binary: false, synchronising: true },
      { kind: 'append-chunk', tag: 'A003', bytes: message },
      { kind: 'append-complete', tag: 'A003', request: { name: 'APPEND', ...appendHead, size: message.length, binary: false } },
      noop('A004'),
    ]);
  });

  test('date-time, literal8 and the UTF8 form', () => {
    const events = receive('a APPEND INBOX " 7-Feb-1994 21:52:25 -0800" ~{3+}\r\nx\0y\r\nb APPEND Drafts UTF8 (~{2+}\r\nhi)\r\n');
    const date = { timestamp: Date.UTC(1994, 1, 8, 5, 52, 25), offsetMinutes: -480 };
    assert.deepEqual(events, [
      { kind: 'append-begin', tag: 'a', head: { mailbox: 'INBOX', flags: [], internalDate: date, utf8: false }, size: 3, binary: true, synchronising: false },
      { kind: 'append-chunk', tag: 'a', bytes: 'x\0y' },
      { kind: 'append-complete', tag: 'a', request: { name: 'APPEND', mailbox: 'INBOX', flags: [], internalDate: date, utf8: false, size: 3, binary: true } },
      {
        kind: 'append-begin',
        tag: 'b',
        head: { mailbox: 'Drafts', flags: [], internalDate: undefined, utf8: true },
        size: 2,
        binary: true,
        synchronising: false,
      },
      { kind: 'append-chunk', tag: 'b', bytes: 'hi' },
      {
        kind: 'append-complete',
        tag: 'b',
        request: { name: 'APPEND', mailbox: 'Drafts', flags: [], internalDate: undefined, utf8: true, size: 2, binary: true },
      },
    ]);
  });

  test('an empty message streams no chunk', () => {
    const events = receive('a APPEND INBOX {0+}\r\n\r\n');
    assert.deepEqual(
      events.map((e) => e.kind),
      ['append-begin', 'append-complete'],
    );
  });

  test('a mailbox name given as a literal is an argument, the next literal the message', () => {
    const events = receive('a APPEND {5+}\r\nINBOX {2+}\r\nhi\r\n');
    assert.deepEqual(
      events.map((e) => e.kind),
      ['append-begin', 'append-chunk', 'append-complete'],
    );
  });

  test('a refused synchronising APPEND leaves the next command intact', () => {
    assert.deepEqual(receive('a APPEND INBOX {10}\r\nb NOOP\r\n', { appendDecision: 'refuse' }), [
      {
        kind: 'append-begin',
        tag: 'a',
        head: { mailbox: 'INBOX', flags: [], internalDate: undefined, utf8: false },
        size: 10,
        binary: false,
        synchronising: true,
      },
      noop('b'),
    ]);
  });

  test('a refused non-synchronising APPEND is skipped', () => {
    const events = receive('a APPEND INBOX {10+}\r\n0123456789\r\nb NOOP\r\n', { appendDecision: 'refuse' });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['append-begin', 'command'],
    );
  });

  test('bad heads and tails are errors; a second message is refused after the first streamed', () => {
    assert.deepEqual(receive('a APPEND INBOX "31-Feb-2000 00:00:00 +0000" {3+}\r\nabc\r\nb NOOP\r\n'), [error('INVALID_DATE', 'a'), noop('b')]);
    assert.deepEqual(receive('a APPEND INBOX UTF8 ({3+}\r\nabc)\r\nb NOOP\r\n'), [error('SYNTAX', 'a'), noop('b')]);
    assert.deepEqual(receive('a APPEND INBOX (\\Bogus) {3+}\r\nabc\r\nb NOOP\r\n'), [error('INVALID_FLAG', 'a'), noop('b')]);
    const multi = receive('a APPEND INBOX {1+}\r\nx {1+}\r\ny\r\nb NOOP\r\n');
    assert.deepEqual(
      multi.map((e) => (e.kind === 'error' ? e.code : e.kind)),
      ['append-begin', 'append-chunk', 'MULTIAPPEND_UNSUPPORTED', 'command'],
    );
    assert.deepEqual(receive('a APPEND INBOX {30000000}\r\nb NOOP\r\n'), [error('LITERAL_TOO_LARGE', 'a'), noop('b')]);
  });

  test('a 5 MB message passes through in chunks without being buffered or copied', () => {
    const size = 5 * 1024 * 1024;
    const feedSize = 64 * 1024;
    const r = new Receiver();
    r.feed(encode(`a APPEND INBOX {${size}}\r\n`));
    const begin = r.next();
    assert.equal(begin?.kind, 'append-begin');
    r.acceptLiteral();
    let received = 0;
    let maxBuffered = 0;
    let copied = 0;
    let complete = false;
    const source = new Uint8Array(size + 2);
    for (let i = 0; i < size; i++) source[i] = i & 0xff;
    source.set([0x0d, 0x0a], size);
    for (let offset = 0; offset < source.length; offset += feedSize) {
      r.feed(source.subarray(offset, offset + feedSize));
      maxBuffered = Math.max(maxBuffered, r.bufferedBytes);
      for (let ev = r.next(); ev !== undefined; ev = r.next()) {
        if (ev.kind === 'append-chunk') {
          if (ev.bytes.buffer !== source.buffer) copied++;
          assert.equal(ev.bytes[0], received & 0xff);
          received += ev.bytes.length;
        } else if (ev.kind === 'append-complete') {
          complete = true;
        } else {
          assert.fail(`unexpected ${ev.kind}`);
        }
      }
    }
    assert.equal(received, size);
    assert.ok(complete);
    assert.equal(copied, 0);
    assert.ok(maxBuffered <= 128 * 1024, `held ${maxBuffered} bytes`);
    assert.equal(r.bufferedBytes, 0);
  });

  test('decisions are only possible while an APPEND waits', () => {
    const r = new Receiver();
    assert.throws(() => r.acceptLiteral());
    r.feed(encode('a APPEND INBOX {1}\r\n'));
    assert.equal(r.next()?.kind, 'append-begin');
    assert.equal(r.next(), undefined, 'paused until a decision');
    r.refuseLiteral();
    assert.throws(() => r.refuseLiteral());
  });
});

describe('receiver: IDLE, AUTHENTICATE, STARTTLS', () => {
  const modes: DriveOptions['onEvent'] = (ev, receiver) => {
    if (ev.kind !== 'command') return;
    if (ev.request.name === 'IDLE') receiver.expectIdleDone(ev.tag);
    if (ev.request.name === 'AUTHENTICATE' && ev.request.initialResponse === undefined) receiver.expectAuthenticationResponse(ev.tag);
  };

  test('DONE ends IDLE (any case); anything else is an error', () => {
    assert.deepEqual(receive('a IDLE\r\ndone\r\nb IDLE\r\nc NOOP\r\nd NOOP\r\n', { onEvent: modes }), [
      { kind: 'command', tag: 'a', request: { name: 'IDLE' } },
      { kind: 'idle-done', tag: 'a' },
      { kind: 'command', tag: 'b', request: { name: 'IDLE' } },
      error('IDLE_EXPECTED_DONE', 'b'),
      noop('d'),
    ]);
  });

  test('AUTHENTICATE continuation lines: base64, cancel, invalid', () => {
    assert.deepEqual(
      receive('a AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\nb AUTHENTICATE PLAIN\r\n*\r\nc AUTHENTICATE PLAIN\r\n!!\r\nd AUTHENTICATE PLAIN\r\n\r\n', {
        onEvent: modes,
      }),
      [
        { kind: 'command', tag: 'a', request: { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: undefined } },
        { kind: 'auth-response', tag: 'a', data: '\0alice\0secret' },
        { kind: 'command', tag: 'b', request: { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: undefined } },
        { kind: 'auth-cancel', tag: 'b' },
        { kind: 'command', tag: 'c', request: { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: undefined } },
        error('INVALID_BASE64', 'c'),
        { kind: 'command', tag: 'd', request: { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: undefined } },
        { kind: 'auth-response', tag: 'd', data: '' },
      ],
    );
  });

  test('takeBuffered hands over bytes pipelined after STARTTLS, so they can be discarded', () => {
    const r = new Receiver();
    r.feed(encode('a STARTTLS\r\nb LOGIN evil '));
    r.feed(encode('injected\r\n'));
    assert.equal(r.next()?.kind, 'command');
    assert.equal(decode(r.takeBuffered()), 'b LOGIN evil injected\r\n');
    assert.equal(r.bufferedBytes, 0);
    assert.equal(r.next(), undefined);
  });

  test('UTF8=ACCEPT applies from the next command', () => {
    const r = new Receiver();
    r.feed(encode('a ENABLE UTF8=ACCEPT\r\nb SELECT "Entwürfe"\r\n'));
    const first = r.next();
    assert.equal(first?.kind, 'command');
    r.setUtf8Accept(true);
    const second = r.next();
    assert.ok(second?.kind === 'command' && second.request.name === 'SELECT' && second.request.mailbox === 'Entwürfe');
  });
});
