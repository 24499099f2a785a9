// The connection gate (issue 12, item 3): per client a cap on open sockets and on new ones a
// minute, an IPv6 /64 counting as one client, exempt addresses counting only towards the
// service's cap, and everything released when the sockets go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressList, ConnectionGate, type Admission } from '../../server/listeners/connection-gate.ts';
import { fitConnectionCaps } from '../../server/listeners/file-limit.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

const limits = { maxConnections: 10, perClient: { maxConnections: 3, connectionsPerMinute: 5 } };

function admitted(admission: Admission): () => void {
  assert.ok(admission.admitted, `refused: ${admission.admitted ? '' : admission.refusal}`);
  return admission.release;
}

function refusalOf(admission: Admission): string {
  assert.ok(!admission.admitted, 'admitted');
  return admission.refusal;
}

test('past perClient.maxConnections one client is refused while another is admitted; a release makes room', () => {
  const gate = new ConnectionGate(limits, addressList('', 'exempt'), new ManualClock());
  const releases = [1, 2, 3].map(() => admitted(gate.admit('192.0.2.1')));
  assert.equal(refusalOf(gate.admit('192.0.2.1')), 'client-connections');
  admitted(gate.admit('192.0.2.2'));
  releases[0]!();
  releases[0]!(); // twice is once
  admitted(gate.admit('192.0.2.1'));
  assert.equal(gate.openConnections, 4);
});

test('past connectionsPerMinute a client is refused until its allowance refills, one every 60/n seconds', () => {
  const clock = new ManualClock();
  const gate = new ConnectionGate(limits, addressList('', 'exempt'), clock);
  for (let i = 0; i < 5; i++) admitted(gate.admit('192.0.2.1'))();
  assert.equal(refusalOf(gate.admit('192.0.2.1')), 'client-rate');
  clock.advance(11_000);
  assert.equal(refusalOf(gate.admit('192.0.2.1')), 'client-rate');
  clock.advance(1_000);
  admitted(gate.admit('192.0.2.1'))();
  assert.equal(refusalOf(gate.admit('192.0.2.1')), 'client-rate');
});

test('an IPv6 /64 is one client, an IPv4-mapped address is its IPv4 address', () => {
  const gate = new ConnectionGate(limits, addressList('', 'exempt'), new ManualClock());
  admitted(gate.admit('2001:db8:1:2::1'));
  admitted(gate.admit('2001:db8:1:2:aaaa::5'));
  admitted(gate.admit('2001:db8:1:2:ffff:ffff:ffff:ffff'));
  assert.equal(refusalOf(gate.admit('2001:db8:1:2::77')), 'client-connections');
  admitted(gate.admit('2001:db8:1:3::1'));
  for (let i = 0; i < 3; i++) admitted(gate.admit('::ffff:192.0.2.9'));
  assert.equal(refusalOf(gate.admit('192.0.2.9')), 'client-connections');
});

test('exempt addresses and ranges skip the per-client caps but not the service cap', () => {
  const gate = new ConnectionGate(limits, addressList('127.0.0.1, 10.0.0.0/8, ::1', 'clients.exempt'), new ManualClock());
  for (let i = 0; i < 8; i++) admitted(gate.admit(i % 2 ? '127.0.0.1' : '10.1.2.3'));
  admitted(gate.admit('::1'));
  admitted(gate.admit('::ffff:127.0.0.1'));
  assert.equal(refusalOf(gate.admit('127.0.0.1')), 'service-full');
  assert.equal(refusalOf(gate.admit('192.0.2.1')), 'service-full');
});

test('a bad exempt entry is a clear error naming the setting', () => {
  assert.throws(() => addressList('127.0.0.1, example.org', 'clients.exempt'), /clients\.exempt: "example\.org" is not an address/);
  assert.throws(() => addressList('10.0.0.0/33', 'clients.exempt'), /bad prefix length/);
});

test('connection caps that do not fit the open-file limit are scaled down in proportion', () => {
  const caps = { imap: 10_000, web: 2000, mx: 500 };
  assert.equal(fitConnectionCaps(caps, 20_000, 1562), caps, 'they fit: unchanged');
  assert.deepEqual(fitConnectionCaps(caps, 1024 + 1562, 1562), { imap: 819, web: 163, mx: 40 });
  assert.deepEqual(fitConnectionCaps(caps, 1024, 1562), { imap: 10, web: 10, mx: 10 }, 'never below a floor');
});
