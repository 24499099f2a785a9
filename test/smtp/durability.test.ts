// Promise 7: SIGKILL mid-stream loses nothing that got a 250 (the trial is in scripts/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDurabilityTrial } from '../../scripts/durability-smtp.ts';

/** Killed once this many got a 250, however fast the machine is; the other connections are
 * mid-transaction then. */
const ACKNOWLEDGED_BEFORE_KILL = 40;

test('every message acknowledged before a SIGKILL is present and decrypts after restart', async () => {
  const report = await runDurabilityTrial({ connections: 4, killAfterAcknowledged: ACKNOWLEDGED_BEFORE_KILL });
  assert.ok(report.acknowledged >= ACKNOWLEDGED_BEFORE_KILL, `the kill came after ${ACKNOWLEDGED_BEFORE_KILL} acknowledgements: ${JSON.stringify(report)}`);
  assert.ok(report.attempted > report.acknowledged, `messages were in flight at the kill: ${JSON.stringify(report)}`);
  assert.equal(report.acknowledgedButMissing, 0, JSON.stringify(report));
  assert.equal(report.undecryptable, 0, JSON.stringify(report));
});
