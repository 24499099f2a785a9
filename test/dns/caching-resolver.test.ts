// The inbound DNS cache: answers and "no such record" are reused for a minute, identical
// concurrent questions share one query, and outages are asked again at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CachingDnsResolver } from '../../server/dns/caching-resolver.ts';
import { StaticDnsResolver } from '../helpers/dns-stub.ts';

function setup() {
  const upstream = new StaticDnsResolver({
    txt: { 'sender.example': [['v=spf1 -all']] },
    serverFailure: ['broken.example'],
  });
  let now = 1_000_000;
  const cache = new CachingDnsResolver(upstream, () => now);
  return { upstream, cache, walk: (ms: number) => (now += ms) };
}

test('an answer is reused until it is a minute old, whatever the case of the name', async () => {
  const { upstream, cache, walk } = setup();
  assert.deepEqual(await cache.resolveTxt('sender.example'), [['v=spf1 -all']]);
  assert.deepEqual(await cache.resolveTxt('SENDER.example'), [['v=spf1 -all']]);
  walk(59_000);
  await cache.resolveTxt('sender.example');
  assert.equal(upstream.queries.length, 1);
  walk(2_000);
  await cache.resolveTxt('sender.example');
  assert.equal(upstream.queries.length, 2);
});

test('concurrent identical questions share one query; other types are asked apart', async () => {
  const { upstream, cache } = setup();
  await Promise.all([cache.resolveTxt('sender.example'), cache.resolveTxt('sender.example'), cache.resolveTxt('sender.example')]);
  await assert.rejects(cache.resolve4('sender.example'), { code: 'ENODATA' });
  assert.deepEqual(upstream.queries, ['txt sender.example', 'a sender.example']);
});

test('"no such name" is an answer and is kept; a server failure is not', async () => {
  const { upstream, cache } = setup();
  await assert.rejects(cache.resolveTxt('_dmarc.unknown.example'), { code: 'ENOTFOUND' });
  await assert.rejects(cache.resolveTxt('_dmarc.unknown.example'), { code: 'ENOTFOUND' });
  await assert.rejects(cache.resolveTxt('broken.example'), { code: 'ESERVFAIL' });
  await assert.rejects(cache.resolveTxt('broken.example'), { code: 'ESERVFAIL' });
  assert.deepEqual(upstream.queries, ['txt _dmarc.unknown.example', 'txt broken.example', 'txt broken.example']);
});
