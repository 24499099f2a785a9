// Hostile input benchmark: how long the parsers take on the inputs built to make them slow,
// and how long paged range scans take on a large store. The tests check what these return;
// this prints how fast, so a regression to super-linear work shows as a number instead of
// as a test that fails only on a slow machine.
//
//   node --import tsx scripts/bench-hostile-input.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { htmlToText } from '../mime/html-text.ts';
import { analyzeMessage, createMessageAnalyzer } from '../mime/structure.ts';
import { openLevelStore, openMemoryStore } from '../server/store/open.ts';
import type { KvStore } from '../server/store/types.ts';

const encoder = new TextEncoder();

function timed(label: string, run: () => void): void {
  const started = performance.now();
  run();
  console.log(`${label.padEnd(52)} ${(performance.now() - started).toFixed(1).padStart(9)} ms`);
}

async function timedAsync(label: string, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await run();
  console.log(`${label.padEnd(52)} ${(performance.now() - started).toFixed(1).padStart(9)} ms`);
}

const hostileHeaders: [string, string][] = [
  ['Subject of 20,000 "[a]"', `Subject: ${'[a]'.repeat(20000)}\r\n\r\n`],
  ['Subject of 15,000 "re: "', `Subject: ${'re: '.repeat(15000)}\r\n\r\n`],
  ['To of 60,000 "<"', `To: ${'<'.repeat(60000)}\r\n\r\n`],
  ['To of 30,000 groups "a:"', `To: ${'a:'.repeat(30000)}\r\n\r\n`],
  ['6,000 RFC 2231 continuations', `Content-Type: text/plain${'; a*1*=%41'.repeat(6000)}\r\n\r\n`],
  ['3,800 encoded words in two charsets', `Subject: ${'=?utf-8?q?a?= =?iso-8859-1?q?b?= '.repeat(1900)}\r\n\r\n`],
  ['HTML body of 500,000 "<"', `Content-Type: text/html\r\n\r\n${'<'.repeat(500000)}`],
  ['1,000 nested message/rfc822', `${'Content-Type: message/rfc822\r\n\r\n'.repeat(1000)}Subject: deepest\r\n\r\nbody\r\n`],
  [
    '1,000 nested multiparts',
    `${Array.from({ length: 1000 }, (_, level) => `Content-Type: multipart/mixed; boundary="level${level}"\r\n\r\n--level${level}\r\n`).join('')}\r\nbottom\r\n`,
  ],
];

console.log('MIME analysis (analyzeMessage)');
for (const [label, text] of hostileHeaders) {
  const raw = encoder.encode(text);
  timed(`  ${label}`, () => void analyzeMessage(raw));
}

console.log('Streaming analysis');
const piece = encoder.encode('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n'.repeat(800));
const pieces = Math.ceil((20 * 1024 * 1024) / piece.length);
timed('  20 MiB base64 attachment in 64 KiB pieces', () => {
  const analyzer = createMessageAnalyzer();
  analyzer.push(
    encoder.encode(
      'Content-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    ),
  );
  for (let index = 0; index < pieces; index++) analyzer.push(piece);
  analyzer.push(encoder.encode('\r\n--big--\r\n'));
  analyzer.finish();
});

console.log('HTML to text');
timed('  2,000,000 "<"', () => void htmlToText('<'.repeat(2_000_000)));
timed('  1,000,000 "<a"', () => void htmlToText('<a'.repeat(1_000_000)));
timed('  <script> and 200,000 unterminated "</script"', () => void htmlToText(`<script>${'</script'.repeat(200_000)}`));
timed('  500,000 unterminated "&#1"', () => void htmlToText('&#1'.repeat(500_000)));

/** 200 pages of 50 keys at spread-out starts in a 100,000-key store: a seek each, not a walk. */
async function pagedScans(kv: KvStore): Promise<void> {
  const total = 100_000;
  const key = (index: number) => `big/${String(index).padStart(6, '0')}`;
  for (let start = 0; start < total; start += 5000) {
    await kv.batch(
      Array.from({ length: 5000 }, (_, offset) => ({ type: 'put' as const, key: key(start + offset), value: encoder.encode(String(start + offset)) })),
    );
  }
  await timedAsync(`  200 pages of 50 in 100,000 keys`, async () => {
    for (let probe = 0; probe < 200; probe++) {
      const from = (probe * 499) % (total - 100);
      for await (const _entry of kv.iterate({ gte: key(from), limit: 50 })) void _entry;
    }
  });
}

console.log('Store range scans (memory)');
const memory = openMemoryStore();
await pagedScans(memory.kv);
await memory.close();
console.log('Store range scans (LevelDB)');
const directory = await mkdtemp(join(tmpdir(), 'sealpost-bench-hostile-'));
try {
  const store = await openLevelStore(directory);
  await pagedScans(store.kv);
  await store.close();
} finally {
  await rm(directory, { recursive: true, force: true });
}
