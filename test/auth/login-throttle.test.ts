// The failed-login throttle on its own, with a clock the test walks forward: per source and
// per account limits, fixed windows, forgiveness of the account (not the source) after a
// success, and the keys IPv6 clients are counted under.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle } from '../../server/auth/login-throttle.ts';
import { clientSourceOf } from '../../server/listeners/client-source.ts';

function throttle(limits: { perSource: number; perAccount: number }) {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  return { clock, throttle: new LoginThrottle({ windowMs: 60_000, maxFailuresPerSource: limits.perSource, maxFailuresPerAccount: limits.perAccount }, clock) };
}

test('a source is blocked after its failures, for any account, until the window ends', () => {
  const { clock, throttle: gate } = throttle({ perSource: 3, perAccount: 100 });
  for (let attempt = 0; attempt < 3; attempt++) {
    assert.equal(gate.isBlocked('10.0.0.1', `user${attempt}@x.test`), false);
    gate.recordFailure('10.0.0.1', `user${attempt}@x.test`);
  }
  assert.equal(gate.isBlocked('10.0.0.1', 'someone-else@x.test'), true);
  assert.equal(gate.isBlocked('10.0.0.2', 'someone-else@x.test'), false, 'other sources are not affected');
  gate.recordSuccess('user0@x.test');
  assert.equal(gate.isBlocked('10.0.0.1', 'someone-else@x.test'), true, 'a success does not reset the source');
  clock.advance(60_000);
  assert.equal(gate.isBlocked('10.0.0.1', 'someone-else@x.test'), false);
});

test('an account address is blocked after failures from many sources; a success forgives it', () => {
  const { clock, throttle: gate } = throttle({ perSource: 100, perAccount: 3 });
  for (let source = 1; source <= 3; source++) gate.recordFailure(`10.0.0.${source}`, 'alice@x.test');
  assert.equal(gate.isBlocked('10.9.9.9', 'alice@x.test'), true);
  assert.equal(gate.isBlocked('10.9.9.9', 'bob@x.test'), false);
  gate.recordSuccess('alice@x.test');
  assert.equal(gate.isBlocked('10.9.9.9', 'alice@x.test'), false);
  for (let source = 1; source <= 3; source++) gate.recordFailure(`10.0.0.${source}`, 'alice@x.test');
  clock.advance(59_999);
  assert.equal(gate.isBlocked('10.9.9.9', 'alice@x.test'), true, 'still inside the window');
  clock.advance(1);
  assert.equal(gate.isBlocked('10.9.9.9', 'alice@x.test'), false, 'the window has ended');
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

test('a failure that names no possible account counts against the source only', () => {
  const { throttle: gate } = throttle({ perSource: 2, perAccount: 1 });
  gate.recordFailure('10.0.0.1', null);
  assert.equal(gate.isBlocked('10.0.0.2', ''), false, 'no account key was counted');
  gate.recordFailure('10.0.0.1', null);
  assert.equal(gate.isBlocked('10.0.0.1', 'alice@x.test'), true);
});
