// MTA-STS (RFC 8461) on outbound delivery: a domain whose policy is "enforce" gets its mail
// only over TLS with a certificate valid for an MX host the policy names, or the message
// waits (4.7.5) — never goes in the clear or to an unlisted host. "testing" and no policy
// deliver as before. Policies come from an injected fetcher and are cached.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { MtaStsFetcher } from '../../server/outbound/mta-sts.ts';
import { StaticDnsResolver } from '../helpers/dns-stub.ts';
import { certificateFor, startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

const policy = (mode: string, mx: string) => `version: STSv1\nmode: ${mode}\nmx: ${mx}\nmax_age: 86400\n`;

function zone() {
  const domains = ['enforce.example', 'wrongmx.example', 'badcert.example', 'testing.example', 'nopolicy.example'];
  const mxHost: Record<string, string> = { 'enforce.example': 'mx.secure.test', 'wrongmx.example': 'mx.secure.test' };
  return new StaticDnsResolver({
    mx: Object.fromEntries(domains.map((domain) => [domain, [{ exchange: mxHost[domain] ?? 'mx.badcert.test', priority: 10 }]])),
    a: { 'mx.secure.test': ['127.0.0.1'], 'mx.badcert.test': ['127.0.0.1'] },
    txt: Object.fromEntries(domains.filter((domain) => domain !== 'nopolicy.example').map((domain) => [`_mta-sts.${domain}`, [['v=STSv1; id=20261121']]])),
  });
}

const POLICIES: Record<string, string> = {
  'enforce.example': policy('enforce', 'mx.secure.test'),
  'wrongmx.example': policy('enforce', 'mx.other.test'),
  'badcert.example': policy('enforce', 'mx.badcert.test'),
  'testing.example': policy('testing', 'mx.badcert.test'),
};

describe('MTA-STS', () => {
  let remote: RemoteMx;
  let service: TestService;
  let appPassword: string;
  const fetched: string[] = [];
  const fetcher: MtaStsFetcher = {
    fetch: async (domain) => {
      fetched.push(domain);
      return POLICIES[domain] ?? null;
    },
  };

  const send = async (target: TestService, password: string, to: string) => {
    await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: target.port('submissions'),
        secure: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'alice@sealpost.test', pass: password },
      })
      .sendMail({ from: 'alice@sealpost.test', to, subject: `to ${to}`, text: 'x' });
    await target.outbound!.settled();
  };
  const resultFor = async (target: TestService, to: string) =>
    (await target.outbound!.list()).find((entry) => entry.recipients[0]!.address === to)?.recipients[0]?.lastResult ?? null;

  before(async () => {
    const certificate = await certificateFor('mx.secure.test');
    remote = await startRemoteMx({ tls: certificate });
    service = await startTestService(['billing.enabled=false', `outbound.mxPort=${remote.port}`], undefined, {
      outbound: { dns: zone(), mtaStsFetcher: fetcher, trustedCa: certificate.cert },
    });
    const alice = await service.createAccount('alice@sealpost.test');
    appPassword = await service.createAppPassword(alice.accountId, alice.password);
  });
  after(async () => {
    await service.stop();
    await remote.close();
  });

  test('enforce: delivered over TLS to the MX the policy names, with its certificate checked; the policy is cached', async () => {
    await send(service, appPassword, 'a@enforce.example');
    await send(service, appPassword, 'b@enforce.example');
    const delivered = remote.received.filter((message) => message.to[0]!.endsWith('@enforce.example'));
    assert.equal(delivered.length, 2);
    assert.ok(delivered.every((message) => message.secure));
    assert.deepEqual(
      fetched.filter((domain) => domain === 'enforce.example'),
      ['enforce.example'],
      'fetched once',
    );
  });

  test('enforce: an MX the policy does not name, or a certificate for another name, means no delivery (4.7.5)', async () => {
    await send(service, appPassword, 'c@wrongmx.example');
    await send(service, appPassword, 'd@badcert.example');
    assert.ok(!remote.received.some((message) => /@(wrongmx|badcert)\.example/.test(message.to[0]!)));
    assert.match((await resultFor(service, 'c@wrongmx.example'))!, /no MX host of wrongmx\.example is allowed by its MTA-STS policy/);
    assert.match((await resultFor(service, 'd@badcert.example'))!, /offers no valid TLS, which the domain's MTA-STS policy requires/);
  });

  test('testing mode and domains without a policy deliver as before (any certificate)', async () => {
    await send(service, appPassword, 'e@testing.example');
    await send(service, appPassword, 'f@nopolicy.example');
    const delivered = remote.received.filter((message) => /@(testing|nopolicy)\.example/.test(message.to[0]!));
    assert.equal(delivered.length, 2);
    assert.ok(
      delivered.every((message) => message.secure),
      'STARTTLS is still used, without checking the name',
    );
  });

  test('enforce: a server without STARTTLS gets nothing', async () => {
    const plain = await startRemoteMx({ starttls: false });
    const other = await startTestService(['billing.enabled=false', `outbound.mxPort=${plain.port}`], undefined, {
      outbound: { dns: zone(), mtaStsFetcher: fetcher },
    });
    try {
      const alice = await other.createAccount('alice@sealpost.test');
      const password = await other.createAppPassword(alice.accountId, alice.password);
      await send(other, password, 'g@enforce.example');
      await send(other, password, 'h@nopolicy.example');
      assert.deepEqual(
        plain.received.map((message) => message.to[0]),
        ['h@nopolicy.example'],
      );
      assert.match((await resultFor(other, 'g@enforce.example'))!, /MTA-STS policy requires/);
    } finally {
      await other.stop();
      await plain.close();
    }
  });
});
