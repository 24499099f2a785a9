// Promise 7: SIGKILL mid-stream loses nothing that got a 250 (the trial is in scripts/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDurabilityTrial } from '../../scripts/durability-smtp.ts';

test('every message acknowledged before a SIGKILL is present and decrypts after restart', async () => {
  const report = await runDurabilityTrial({ connections: 4, killAfterMs: 2500 });
  assert.ok(report.acknowledged > 20, `enough messages were acknowledged to mean something: ${JSON.stringify(report)}`);
  assert.equal(report.acknowledgedButMissing, 0, JSON.stringify(report));
  assert.equal(report.undecryptable, 0, JSON.stringify(report));
});
