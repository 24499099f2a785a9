// Parse and serialise timings of the IMAP wire layer, per operation, on this machine:
//   node --import tsx scripts/bench-imap-proto.ts
// "feed+next" is the whole receive path for one command: framing, tokenizing, typed parse.
import { Receiver } from '../server/imap/proto/receiver.ts';
import { serializeResponse, type Response } from '../server/imap/proto/response.ts';

const WARMUP = 20_000;
const RUNS = 200_000;

function bench(name: string, run: () => void): void {
  for (let i = 0; i < WARMUP; i++) run();
  const started = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) run();
  const ns = Number(process.hrtime.bigint() - started) / RUNS;
  console.log(`${name.padEnd(58)} ${(ns / 1000).toFixed(2)} µs`);
}

const receiver = new Receiver();
function parse(line: string): () => void {
  const bytes = new TextEncoder().encode(line);
  return () => {
    receiver.feed(bytes);
    if (receiver.next()?.kind !== 'command') throw new Error(`did not parse: ${line}`);
  };
}

bench('feed+next  a1 UID FETCH 1:* (FLAGS ENVELOPE)', parse('a1 UID FETCH 1:* (FLAGS ENVELOPE)\r\n'));
bench(
  'feed+next  a2 FETCH 1:50 (UID FLAGS BODY.PEEK[HEADER.FIELDS ..])',
  parse('a2 FETCH 1:50 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date)])\r\n'),
);
bench('feed+next  a3 UID STORE 1:5 +FLAGS.SILENT (\\Seen)', parse('a3 UID STORE 1:5 +FLAGS.SILENT (\\Seen)\r\n'));
bench('feed+next  a4 UID SEARCH OR FROM "x" SUBJECT "y" SINCE ...', parse('a4 UID SEARCH OR FROM "alice" SUBJECT "report" SINCE 1-Feb-2024 UNDELETED\r\n'));
bench('feed+next  a5 SELECT INBOX (CONDSTORE)', parse('a5 SELECT INBOX (CONDSTORE)\r\n'));
bench('feed+next  a6 NOOP', parse('a6 NOOP\r\n'));

const fetch: Response = {
  type: 'fetch',
  seq: 1234,
  items: [
    { item: 'UID', uid: 98765 },
    { item: 'FLAGS', flags: ['\\Seen', '\\Answered', '$Forwarded'] },
    { item: 'RFC822.SIZE', size: 48213 },
    { item: 'MODSEQ', modSeq: 123456789n },
  ],
};
bench('serialize  * n FETCH (UID FLAGS RFC822.SIZE MODSEQ)', () => serializeResponse(fetch));
const envelope: Response = {
  type: 'fetch',
  seq: 1,
  items: [
    {
      item: 'ENVELOPE',
      value: [
        { type: 'string', value: 'Wed, 17 Jul 1996 02:23:25 -0700 (PDT)' },
        { type: 'string', value: 'IMAP4rev1 WG mtg summary and minutes' },
        [[{ type: 'string', value: 'Terry Gray' }, { type: 'nil' }, { type: 'string', value: 'gray' }, { type: 'string', value: 'cac.washington.edu' }]],
        { type: 'nil' },
        { type: 'nil' },
        { type: 'nil' },
        { type: 'nil' },
        { type: 'nil' },
        { type: 'nil' },
        { type: 'string', value: '<B27397-0100000@cac.washington.edu>' },
      ],
    },
  ],
};
bench('serialize  * n FETCH (ENVELOPE (...))', () => serializeResponse(envelope));
