// A few thousand mutated and random inputs through the receiver and the parsers: no throw
// escapes, no case hangs, memory stays within the limits. scripts/fuzz-imap.ts runs more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CORPUS, FUZZ_LIMITS, fuzz, runCase } from './fuzz-harness.ts';
import { drive, encode, prng } from './support.ts';

test('the fuzz corpus is valid: no errors for any entry', () => {
  for (const entry of CORPUS) {
    const events = drive([encode(entry)], {
      limits: FUZZ_LIMITS,
      onEvent: (ev, r) => {
        if (ev.kind === 'command' && ev.request.name === 'IDLE') r.expectIdleDone(ev.tag);
        if (ev.kind === 'command' && ev.request.name === 'AUTHENTICATE' && ev.request.initialResponse === undefined) r.expectAuthenticationResponse(ev.tag);
      },
    });
    assert.deepEqual(
      events.filter((e) => e.kind === 'error'),
      [],
      entry,
    );
  }
});

test('5000 fuzz cases: all errors typed, bounded time and memory', () => {
  const stats = fuzz(5000, 20240521);
  assert.equal(stats.cases, 5000);
  assert.ok(stats.errors > 1000, 'mutations reach the error paths');
  assert.ok(stats.events > stats.errors, 'and the success paths');
});

test('a literal announced but never sent holds no memory beyond the limit', () => {
  const stats = { cases: 0, events: 0, errors: 0 };
  runCase(encode(`a LOGIN {99999999999}\r\n${'x'.repeat(5000)}`), prng(1), stats);
  runCase(encode(`a APPEND INBOX {4000+}\r\n${'x'.repeat(9000)}`), prng(2), stats);
  assert.equal(stats.cases, 2);
});
