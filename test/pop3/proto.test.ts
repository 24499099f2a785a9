// The POP3 wire layer on its own: framing fed one byte at a time and in one chunk, the
// command table (wire text → typed command or coded refusal), reply formatting, the
// streaming message encoder (CRLF, byte-stuffing, terminator) under every split of its
// input, TOP's prefix, and SASL PLAIN decoding.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  decodePlain,
  errLine,
  isValidIn,
  LineReader,
  MessageEncoder,
  multiLine,
  okLine,
  parseCommand,
  parseInitialResponse,
  parseSaslResponse,
  topOfMessage,
  type LineEvent,
} from '../../server/pop3/proto/index.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');

function framed(events: LineEvent[]): string[] {
  return events.map((event) => (event.kind === 'line' ? Buffer.from(event.line).toString('latin1') : '<too-long>'));
}

function feedAtOnce(input: Buffer, maxLineLength: number): string[] {
  return framed(new LineReader(maxLineLength).push(input));
}

function feedByteByByte(input: Buffer, maxLineLength: number): string[] {
  const reader = new LineReader(maxLineLength);
  const events: LineEvent[] = [];
  for (const byte of input) events.push(...reader.push(Uint8Array.of(byte)));
  return framed(events);
}

describe('LineReader', () => {
  const cases: [string, string, number, string[]][] = [
    ['CRLF lines', 'USER a@b.test\r\nPASS x y\r\n', 100, ['USER a@b.test', 'PASS x y']],
    ['bare LF lines', 'STAT\nLIST 1\n', 100, ['STAT', 'LIST 1']],
    ['an empty line', '\r\nNOOP\r\n', 100, ['', 'NOOP']],
    ['an unterminated tail is held back', 'STAT\r\nLIS', 100, ['STAT']],
    ['a CR inside a line is kept', 'A\rB\r\n', 100, ['A\rB']],
    ['binary junk', '\x00\xff\x80\x1b[2J\r\n', 100, ['\x00\xff\x80\x1b[2J']],
    // 10 octets allowed, CRLF included: "12345678\r\n" fits, "123456789\r\n" does not.
    ['the limit counts CRLF', '12345678\r\n123456789\r\nNOOP\r\n', 10, ['12345678', '<too-long>', 'NOOP']],
    ['an overlong line is reported once and skipped', `${'x'.repeat(50)}\r\nSTAT\r\n`, 10, ['<too-long>', 'STAT']],
  ];
  for (const [name, input, limit, expected] of cases) {
    test(name, () => {
      assert.deepEqual(feedAtOnce(bytes(input), limit), expected);
      assert.deepEqual(feedByteByByte(bytes(input), limit), expected);
    });
  }

  test('random input gives the same lines whatever the chunking', () => {
    for (let round = 0; round < 200; round++) {
      const input = Buffer.from(Array.from(randomBytes(400), (byte) => (byte % 7 === 0 ? 0x0a : byte % 11 === 0 ? 0x0d : byte)));
      const whole = feedAtOnce(input, 40);
      assert.deepEqual(feedByteByByte(input, 40), whole);
      const reader = new LineReader(40);
      const events: LineEvent[] = [];
      for (let offset = 0; offset < input.length; ) {
        const size = 1 + (randomBytes(1)[0]! % 30);
        events.push(...reader.push(input.subarray(offset, offset + size)));
        offset += size;
      }
      assert.deepEqual(framed(events), whole);
    }
  });

  test('reset drops a partial line (plaintext sent ahead of a TLS handshake)', () => {
    const reader = new LineReader(100);
    assert.deepEqual(framed(reader.push(bytes('STLS\r\nCAPA'))), ['STLS']);
    reader.reset();
    assert.deepEqual(framed(reader.push(bytes('NOOP\r\n'))), ['NOOP']);
  });
});

describe('parseCommand', () => {
  const valid: [string, unknown][] = [
    ['USER alice@sealpost.test', { name: 'USER', user: 'alice@sealpost.test' }],
    ['user  alice@sealpost.test  ', { name: 'USER', user: 'alice@sealpost.test' }],
    ['PASS abcd efgh-ijkl ', { name: 'PASS', secret: 'abcd efgh-ijkl ' }],
    ['AUTH', { name: 'AUTH' }],
    ['auth plain', { name: 'AUTH', mechanism: 'PLAIN' }],
    ['AUTH PLAIN AGEAYg==', { name: 'AUTH', mechanism: 'PLAIN', initialResponse: 'AGEAYg==' }],
    ['AUTH PLAIN =', { name: 'AUTH', mechanism: 'PLAIN', initialResponse: '=' }],
    ['STLS', { name: 'STLS' }],
    ['capa', { name: 'CAPA' }],
    ['QUIT', { name: 'QUIT' }],
    ['STAT ', { name: 'STAT' }],
    ['LIST', { name: 'LIST' }],
    ['LIST 3', { name: 'LIST', message: 3 }],
    ['UIDL', { name: 'UIDL' }],
    ['uidl 007', { name: 'UIDL', message: 7 }],
    ['RETR 1', { name: 'RETR', message: 1 }],
    ['RETR 0', { name: 'RETR', message: 0 }],
    ['TOP 2 0', { name: 'TOP', message: 2, lines: 0 }],
    ['TOP 2 9007199254740991', { name: 'TOP', message: 2, lines: Number.MAX_SAFE_INTEGER }],
    ['DELE 2147483647', { name: 'DELE', message: 2147483647 }],
    ['NOOP', { name: 'NOOP' }],
    ['RSET', { name: 'RSET' }],
  ];
  for (const [line, command] of valid) {
    test(`parses ${JSON.stringify(line)}`, () => assert.deepEqual(parseCommand(line), { ok: true, command }));
  }

  const invalid: [string, string][] = [
    ['', 'EMPTY_COMMAND'],
    ['   ', 'EMPTY_COMMAND'],
    ['APOP alice 0123456789abcdef0123456789abcdef', 'UNKNOWN_COMMAND'],
    ['LAST', 'UNKNOWN_COMMAND'],
    ['GET / HTTP/1.1', 'UNKNOWN_COMMAND'],
    ['\x00\xff\xfe', 'UNKNOWN_COMMAND'],
    ['USER', 'SYNTAX'],
    ['USER   ', 'SYNTAX'],
    ['PASS', 'SYNTAX'],
    ['AUTH PLAIN a b', 'SYNTAX'],
    ['AUTH PL/AIN', 'SYNTAX'],
    ['STAT 1', 'SYNTAX'],
    ['LIST x', 'SYNTAX'],
    ['LIST 1 2', 'SYNTAX'],
    ['LIST -1', 'SYNTAX'],
    ['RETR', 'SYNTAX'],
    ['RETR 1x', 'SYNTAX'],
    ['RETR +1', 'SYNTAX'],
    ['RETR 2147483648', 'SYNTAX'],
    ['RETR 99999999999999999999999999999', 'SYNTAX'],
    ['TOP 1', 'SYNTAX'],
    ['TOP 1 -1', 'SYNTAX'],
    ['TOP 1 9007199254740992', 'SYNTAX'],
    ['DELE', 'SYNTAX'],
    ['NOOP x', 'SYNTAX'],
    ['QUIT now', 'SYNTAX'],
  ];
  for (const [line, code] of invalid) {
    test(`refuses ${JSON.stringify(line)} with ${code}`, () => {
      const result = parseCommand(line);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, code);
      const argument = line.trim().split(' ').slice(1).join(' ');
      if (argument !== '') assert.ok(!result.ok && !result.message.includes(argument), 'the message does not quote the input');
    });
  }

  test('states: authentication commands before login, mailbox commands after, CAPA and QUIT in both', () => {
    const command = (line: string) => {
      const result = parseCommand(line);
      assert.ok(result.ok);
      return result.command;
    };
    for (const line of ['USER a', 'PASS b', 'AUTH PLAIN', 'STLS']) {
      assert.ok(isValidIn(command(line), 'authorization'), line);
      assert.ok(!isValidIn(command(line), 'transaction'), line);
    }
    for (const line of ['STAT', 'LIST', 'UIDL', 'RETR 1', 'TOP 1 1', 'DELE 1', 'NOOP', 'RSET']) {
      assert.ok(!isValidIn(command(line), 'authorization'), line);
      assert.ok(isValidIn(command(line), 'transaction'), line);
    }
    for (const line of ['CAPA', 'QUIT']) {
      assert.ok(isValidIn(command(line), 'authorization') && isValidIn(command(line), 'transaction'), line);
    }
  });
});

describe('replies', () => {
  test('status lines with and without response codes', () => {
    assert.equal(okLine(), '+OK\r\n');
    assert.equal(okLine('2 320'), '+OK 2 320\r\n');
    assert.equal(errLine('Mailbox is locked', 'IN-USE'), '-ERR [IN-USE] Mailbox is locked\r\n');
    assert.equal(errLine('No such message'), '-ERR No such message\r\n');
    assert.equal(errLine('two\r\nlines'), '-ERR two lines\r\n', 'a reply can never inject a second line');
  });

  test('multi-line replies are stuffed and terminated', () => {
    assert.equal(multiLine('Capability list follows', ['TOP', 'UIDL']), '+OK Capability list follows\r\nTOP\r\nUIDL\r\n.\r\n');
    assert.equal(multiLine('empty', []), '+OK empty\r\n.\r\n');
    assert.equal(multiLine('x', ['.hidden']), '+OK x\r\n..hidden\r\n.\r\n');
  });
});

describe('MessageEncoder', () => {
  const encode = (chunks: Buffer[]) => {
    const encoder = new MessageEncoder();
    return Buffer.concat([...chunks.map((chunk) => encoder.push(chunk)), encoder.end()]).toString('latin1');
  };
  const splits = (input: string) => {
    const buffer = bytes(input);
    const results = new Set<string>([encode([buffer]), encode([...buffer].map((byte) => Buffer.from([byte])))]);
    for (let cut = 0; cut <= buffer.length; cut++) results.add(encode([buffer.subarray(0, cut), buffer.subarray(cut)]));
    return [...results];
  };
  const cases: [string, string, string][] = [
    ['a CRLF message passes unchanged', 'A: b\r\n\r\nbody\r\n', 'A: b\r\n\r\nbody\r\n.\r\n'],
    ['lines starting with a dot are stuffed, the first one too', '.a\r\nb\r\n.\r\n..c\r\n', '..a\r\nb\r\n..\r\n...c\r\n.\r\n'],
    ['a dot inside a line is left alone', 'a.b\r\n', 'a.b\r\n.\r\n'],
    ['bare LF becomes CRLF', 'a\nb\n', 'a\r\nb\r\n.\r\n'],
    ['bare LF before a dot line', 'a\n.b\n', 'a\r\n..b\r\n.\r\n'],
    ['an unterminated last line is terminated', 'a\r\nb', 'a\r\nb\r\n.\r\n'],
    ['a lone CR is kept and the line terminated', 'a\r', 'a\r\r\n.\r\n'],
    ['an empty message', '', '.\r\n'],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.deepEqual(splits(input), [expected]));
  }

  test('random messages: every split gives the same output, which unstuffs to the CRLF form', () => {
    for (let round = 0; round < 100; round++) {
      const alphabet = ['.', '\r', '\n', 'a', ' ', '\r\n', '\r\n.'];
      const input = Array.from(randomBytes(60), (byte) => alphabet[byte % alphabet.length]).join('');
      const outputs = splits(input);
      assert.equal(outputs.length, 1, JSON.stringify(input));
      const output = outputs[0]!;
      assert.ok(output.endsWith('\r\n.\r\n') || output === '.\r\n');
      const lines = output.split('\r\n').slice(0, -2);
      assert.ok(
        lines.every((line) => !line.startsWith('.') || line.startsWith('..') || line === ''),
        'no unstuffed dot line',
      );
      assert.ok(!/[^\r]\n/.test(output.slice(1)), 'no bare LF on the wire');
    }
  });
});

describe('topOfMessage', () => {
  const message = 'A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n';
  const headersEnd = message.indexOf('\r\n\r\n') + 4;
  async function top(lines: number, chunkSize: number): Promise<string> {
    const source = bytes(message);
    let chunksRead = 0;
    async function* chunks() {
      for (let offset = 0; offset < source.length; offset += chunkSize) {
        chunksRead += 1;
        yield source.subarray(offset, offset + chunkSize);
      }
    }
    const out: Uint8Array[] = [];
    for await (const chunk of topOfMessage(chunks(), headersEnd, lines)) out.push(chunk);
    const result = Buffer.concat(out).toString('latin1');
    assert.ok(chunksRead <= Math.ceil((result.length + 1) / chunkSize) + 1, 'reads no further than needed');
    return result;
  }

  for (const chunkSize of [1, 3, 7, 1000]) {
    test(`headers plus n body lines, chunks of ${chunkSize}`, async () => {
      assert.equal(await top(0, chunkSize), 'A: 1\r\nB: 2\r\n\r\n');
      assert.equal(await top(1, chunkSize), 'A: 1\r\nB: 2\r\n\r\nl1\r\n');
      assert.equal(await top(2, chunkSize), 'A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n');
      assert.equal(await top(3, chunkSize), message);
      assert.equal(await top(99, chunkSize), message);
    });
  }
});

describe('SASL', () => {
  test('responses: base64, "=" as an empty initial response, "*" to cancel', () => {
    assert.deepEqual(parseSaslResponse('*'), { kind: 'cancel' });
    assert.deepEqual(parseInitialResponse('='), { kind: 'data', bytes: new Uint8Array(0) });
    assert.deepEqual(parseSaslResponse(''), { kind: 'data', bytes: new Uint8Array(0) });
    assert.deepEqual(parseSaslResponse('AGEAYg=='), { kind: 'data', bytes: new Uint8Array([0, 0x61, 0, 0x62]) });
    for (const bad of ['AGEAYg', 'AGE AYg==', 'AGEAYg=!', '====', '=', 'A']) assert.deepEqual(parseSaslResponse(bad), { kind: 'invalid' }, bad);
  });

  test('PLAIN: [authzid] NUL authcid NUL passwd', () => {
    const plain = (text: string) => decodePlain(Buffer.from(text, 'utf8'));
    assert.deepEqual(plain('\0alice@sealpost.test\0secret'), { authzid: '', authcid: 'alice@sealpost.test', password: 'secret' });
    assert.deepEqual(plain('a@x.test\0a@x.test\0s p'), { authzid: 'a@x.test', authcid: 'a@x.test', password: 's p' });
    for (const bad of ['', 'secret', '\0a', '\0\0secret', '\0a\0', 'x\0a\0b\0c']) assert.equal(plain(bad), undefined, JSON.stringify(bad));
    assert.equal(decodePlain(Uint8Array.of(0, 0xff, 0, 0x61)), undefined, 'invalid UTF-8');
  });
});
