// The signup proof of work adapts to the signup rate (issue 12, item 14): the base difficulty
// in a quiet hour, one more bit per doubling of solved signups past the threshold, at most
// six more, and back to the base once the hour has passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveProofOfWork } from '../../shared/proof-of-work.ts';
import { ProofOfWork } from '../../server/web/proof-of-work.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

test('each doubling of solved signups past the threshold adds a bit; an hour later it is the base again', async () => {
  const clock = new ManualClock();
  const pow = new ProofOfWork({ clock, bits: 2, signupsPerHour: 4 });
  const signUp = async () => {
    const { challenge, bits } = pow.issue();
    assert.ok(pow.redeem(challenge, await solveProofOfWork(challenge, bits)));
  };
  const seen: number[] = [];
  for (let signups = 0; signups < 300; signups++) {
    seen.push(pow.bits);
    await signUp();
  }
  // 0–3 signups: base; 4–7: +1; 8–15: +2; 16–31: +3; 32–63: +4; 64–127: +5; then +6 at most.
  assert.deepEqual([seen[0], seen[3], seen[4], seen[8], seen[16], seen[32], seen[64], seen[128], seen[299]], [2, 2, 3, 4, 5, 6, 7, 8, 8]);
  const { challenge, bits } = pow.issue();
  assert.equal(bits, 8, 'a challenge carries the difficulty of its time');
  assert.ok(pow.redeem(challenge, await solveProofOfWork(challenge, bits)));
  assert.equal(pow.redeem(challenge, await solveProofOfWork(challenge, bits)), false, 'used once only');
  clock.advance(3_600_000);
  assert.equal(pow.bits, 2);
});
