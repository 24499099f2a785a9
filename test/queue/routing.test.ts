// Where outbound mail goes and when it is tried again: static routes, MX order, implicit MX,
// null MX, DNS answers versus DNS outages, the backoff schedule, and remote replies turned
// into one safe line with the right class and status.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryFailure, oneLine } from '../../server/outbound/failure.ts';
import { parseStaticRoutes, RouteResolver } from '../../server/outbound/routes.ts';
import { retryDelayMs } from '../../server/queue/retry-schedule.ts';
import { StaticDnsResolver } from '../helpers/dns-stub.ts';

const dns = new StaticDnsResolver({
  mx: {
    'multi.example': [
      { exchange: 'backup.multi.example', priority: 20 },
      { exchange: 'dead.multi.example', priority: 5 },
      { exchange: 'primary.multi.example', priority: 10 },
    ],
    'null.example': [{ exchange: '.', priority: 0 }],
    'noaddress.example': [{ exchange: 'gone.noaddress.example', priority: 10 }],
  },
  a: { 'backup.multi.example': ['192.0.2.2'], 'primary.multi.example': ['192.0.2.1'], 'implicit.example': ['192.0.2.3'], 'smarthost.example': ['192.0.2.9'] },
  aaaa: { 'primary.multi.example': ['2001:db8::1'], 'dead.multi.example': [] },
  txt: { 'txtonly.example': [['v=spf1 -all']] },
  serverFailure: ['outage.example'],
});

async function failureOf(promise: Promise<unknown>): Promise<DeliveryFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryFailure, String(error));
    return error;
  }
  throw new Error('expected a failure');
}

describe('routes', () => {
  const resolver = new RouteResolver(dns, parseStaticRoutes('fixed.example=smarthost.example:2525'), 25);

  test('MX hosts in order of preference, skipping those without an address, each with all its addresses', async () => {
    const routes = await resolver.resolve('multi.example');
    assert.deepEqual(routes, [
      { host: 'primary.multi.example', port: 25, addresses: ['192.0.2.1', '2001:db8::1'], viaMx: true },
      { host: 'backup.multi.example', port: 25, addresses: ['192.0.2.2'], viaMx: true },
    ]);
  });

  test('no MX record: the domain itself (implicit MX)', async () => {
    assert.deepEqual(await resolver.resolve('implicit.example'), [{ host: 'implicit.example', port: 25, addresses: ['192.0.2.3'], viaMx: true }]);
  });

  test('static routes replace the lookup and are not MX routes', async () => {
    assert.deepEqual(await resolver.resolve('fixed.example'), [{ host: 'smarthost.example', port: 2525, addresses: ['192.0.2.9'], viaMx: false }]);
  });

  test('permanent: no such domain (5.1.2), null MX (5.1.10), neither MX nor address (5.1.2)', async () => {
    for (const [domain, status] of [
      ['nxdomain.example', '5.1.2'],
      ['null.example', '5.1.10'],
      ['txtonly.example', '5.1.2'],
    ] as const) {
      const failure = await failureOf(resolver.resolve(domain));
      assert.equal(failure.kind, 'permanent', domain);
      assert.equal(failure.status, status, domain);
    }
  });

  test('temporary: a DNS outage, or MX hosts none of which has an address (4.4.3)', async () => {
    for (const domain of ['outage.example', 'noaddress.example']) {
      const failure = await failureOf(resolver.resolve(domain));
      assert.equal(failure.kind, 'temporary', domain);
      assert.equal(failure.status, '4.4.3', domain);
    }
  });

  test('bad static routes are refused with the offending item named', () => {
    for (const text of ['example.org', 'example.org=host', 'example.org=host:0', 'example.org=host:99999', 'exa mple.org=h:25']) {
      assert.throws(
        () => parseStaticRoutes(text),
        (error: Error & { code?: string }) => error.code === 'INVALID_STATIC_ROUTE' && error.message.includes('is not domain=host:port'),
        text,
      );
    }
    assert.deepEqual(
      [...parseStaticRoutes(' *=[::1]:2525 , Example.ORG=10.0.0.5:25 ')],
      [
        ['*', { host: '::1', port: 2525 }],
        ['example.org', { host: '10.0.0.5', port: 25 }],
      ],
    );
  });
});

describe('retry schedule', () => {
  test('doubles from the minimum up to the maximum', () => {
    const policy = { retryMinSeconds: 300, retryMaxSeconds: 4000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 100].map((attempts) => retryDelayMs(attempts, policy) / 1000),
      [300, 600, 1200, 2400, 4000, 4000, 4000],
    );
  });
});

describe('remote replies', () => {
  test('the reply class decides, the enhanced code is kept when it agrees, else derived', () => {
    const permanent = DeliveryFailure.fromReply('550 5.1.1 No such user', 'mx answered RCPT');
    assert.deepEqual([permanent.kind, permanent.status, permanent.response], ['permanent', '5.1.1', '550 5.1.1 No such user']);
    const temporary = DeliveryFailure.fromReply('421 Too busy', 'mx answered MAIL');
    assert.deepEqual([temporary.kind, temporary.status], ['temporary', '4.0.0']);
    const disagreeing = DeliveryFailure.fromReply('451 5.7.1 odd', 'mx');
    assert.equal(disagreeing.status, '4.0.0');
  });

  test('a reply is one printable line, whatever the remote sends', () => {
    assert.equal(oneLine('550-5.1.1 first\r\n550-5.1.1 second\r\n550 5.1.1 third'), '550-5.1.1 first 5.1.1 second 5.1.1 third');
    assert.equal(oneLine('550 bad\r\nInjected: header\u0000\u00e9'), '550 bad Injected: header??');
    assert.equal(oneLine('5'.repeat(2000)).length, 512);
  });
});
