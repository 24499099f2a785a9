// The header section of a submitted message, read off the stream in pieces of any size:
// where it ends (CRLF or bare LF), folded fields, author addresses, completion headers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMailError } from '../../server/core/errors.ts';
import { authorAddresses, completeHeaders, headerFields, MAX_HEADER_BYTES, readHeaderSection } from '../../server/sending/header-section.ts';

async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

describe('submitted header section', () => {
  test('ends at the empty line whatever the chunking, with CRLF and with bare LF', async () => {
    for (const [message, header] of [
      ['From: a@b.test\r\nSubject: x\r\n\r\nbody\r\n', 'From: a@b.test\r\nSubject: x\r\n'],
      ['From: a@b.test\nSubject: x\n\nbody\n', 'From: a@b.test\nSubject: x\n'],
      ['\r\nbody only\r\n', ''],
      ['From: a@b.test\r\n', 'From: a@b.test\r\n'],
    ] as const) {
      for (const size of [1, 2, 3, 7, 1000]) {
        const source = pieces(message, size);
        const section = await readHeaderSection(source);
        const rest: Buffer[] = [section.bodyStart];
        for await (const chunk of source) rest.push(Buffer.from(chunk));
        assert.equal(section.header.toString(), header, `${JSON.stringify(message)} in pieces of ${size}`);
        assert.equal(section.header.toString() + Buffer.concat(rest).toString(), message);
      }
    }
  });

  test('a header section without end beyond the limit is refused', async () => {
    await assert.rejects(readHeaderSection(pieces(`X-Long: ${'a'.repeat(MAX_HEADER_BYTES + 10)}`, 65536)), (error: unknown) =>
      isMailError(error, 'HEADER_SECTION_TOO_LARGE'),
    );
  });

  test('From and Sender addresses, unfolded and lowercased, groups flattened', () => {
    const fields = headerFields(
      Buffer.from('From: "Alice, A." <Alice@Sealpost.test>,\r\n bob@sealpost.test\r\nSender: Team: carol@sealpost.test;\r\nSubject: hi\r\n'),
    );
    assert.deepEqual(authorAddresses(fields), { from: ['alice@sealpost.test', 'bob@sealpost.test'], sender: ['carol@sealpost.test'] });
    assert.deepEqual(authorAddresses(headerFields(Buffer.from('Subject: none\r\n'))), { from: [], sender: [] });
  });

  test('adds Message-ID (on the sender domain) and Date only when missing', () => {
    const now = new Date(Date.UTC(2026, 10, 21, 9, 5, 3));
    const missing = completeHeaders(headerFields(Buffer.from('From: a@b.test\r\n')), 'b.test', now);
    assert.match(missing.added.toString(), /^Message-ID: <[0-9a-f]{32}@b\.test>\r\nDate: Sat, 21 Nov 2026 09:05:03 \+0000\r\n$/);
    assert.equal(missing.messageId, /Message-ID: (\S+)/.exec(missing.added.toString())![1]);
    const present = completeHeaders(headerFields(Buffer.from('Message-ID: <x@y>\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\n')), 'b.test', now);
    assert.equal(present.added.length, 0);
    assert.equal(present.messageId, '<x@y>');
  });
});
