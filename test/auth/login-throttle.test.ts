// The failed-login throttle on its own, with a clock the test walks forward: per-source
// limits in fixed windows, and the keys IPv6 clients are counted under.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle } from '../../server/auth/login-throttle.ts';
import { clientSourceOf } from '../../server/listeners/client-source.ts';

function throttle(perSource: number) {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  return { clock, throttle: new LoginThrottle({ windowMs: 60_000, maxFailuresPerSource: perSource }, clock) };
}

test('a source is blocked after its failures until the window ends; a success does not reset it', () => {
  const { clock, throttle: gate } = throttle(3);
  for (let attempt = 0; attempt < 3; attempt++) {
    assert.equal(gate.isBlocked('10.0.0.1'), false);
    gate.recordFailure('10.0.0.1');
  }
  assert.equal(gate.isBlocked('10.0.0.1'), true);
  assert.equal(gate.isBlocked('10.0.0.2'), false, 'other sources are not affected');
  clock.advance(59_999);
  assert.equal(gate.isBlocked('10.0.0.1'), true, 'still inside the window');
  clock.advance(1);
  assert.equal(gate.isBlocked('10.0.0.1'), false);
});

test('sources: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by /64', () => {
  assert.equal(clientSourceOf('192.0.2.7'), '192.0.2.7');
  assert.equal(clientSourceOf('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(clientSourceOf('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(clientSourceOf('2001:db8:1:2::9'), '2001:db8:1:2::/64');
  assert.equal(clientSourceOf('2001:0db8:0001:0002:ffff::1'), '2001:db8:1:2::/64');
  assert.equal(clientSourceOf('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientSourceOf('::1'), '0:0:0:0::/64');
  assert.equal(clientSourceOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(clientSourceOf('64:ff9b::192.0.2.7'), '64:ff9b:0:0::/64');
  assert.equal(clientSourceOf(undefined), 'unknown');
});
