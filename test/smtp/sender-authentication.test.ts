// SPF, DKIM and DMARC at the MX, through nodemailer (which signs with DKIM) against a DNS
// zone published in the test: the results are stored, encrypted, in an Authentication-Results
// header that the webmail's own parser believes; a sender's forged header is not; DMARC
// policies are followed; and a DNS server that never answers delays nothing for long.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { parseMessage } from '../../client/src/lib/worker/message-parser.ts';
import type { DnsResolver } from '../../server/dns/resolver.ts';
import { StaticDnsResolver } from '../helpers/dns-stub.ts';
import { readFolder, unlockByPassword, withoutReceivedHeader } from '../helpers/mail.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

const dkimKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dkimPublic = dkimKey.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const dkimPrivate = dkimKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Domains with every kind of outcome: all pass, and two failing under each strict policy. */
const zone = new StaticDnsResolver({
  txt: {
    'signed.example': [['v=spf1 ip4:127.0.0.1 -all']],
    'mail._domainkey.signed.example': [[`v=DKIM1; k=rsa; p=${dkimPublic}`]],
    '_dmarc.signed.example': [['v=DMARC1; p=reject']],
    'quarantined.example': [['v=spf1 -all']],
    '_dmarc.quarantined.example': [['v=DMARC1; p=quarantine']],
    'rejected.example': [['v=spf1 -all']],
    '_dmarc.rejected.example': [['v=DMARC1; p=reject']],
  },
});

function message(from: string, to: string, subject: string, extraHeaders = ''): string {
  return (
    `${extraHeaders}From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@test>\r\n` +
    `Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of ${subject}.\r\n`
  );
}

function send(service: TestService, from: string, to: string, raw: string, options: Record<string, unknown> = {}) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: service.port('smtp-mx'),
    secure: false,
    tls: { rejectUnauthorized: false },
    ...options,
  });
  return transport.sendMail({ envelope: { from, to: [to] }, raw });
}

describe('MX sender authentication', () => {
  let service: TestService;
  let alice: { accountId: string; password: string };

  before(async () => {
    service = await startTestService([], undefined, { inboundDns: zone });
    alice = await service.createAccount('alice@sealpost.test');
  });
  after(() => service.stop());

  const folder = async (specialUse: '\\Inbox' | '\\Junk') =>
    readFolder(service.core, await unlockByPassword(service.core, service.crypto, alice.accountId, alice.password), alice.accountId, specialUse);

  test('SPF, DKIM and DMARC pass are recorded above our Received header, and the webmail shows them', async () => {
    const info = await send(
      service,
      'news@signed.example',
      'alice@sealpost.test',
      message('news@signed.example', 'alice@sealpost.test', 'signed and aligned'),
      {
        dkim: { domainName: 'signed.example', keySelector: 'mail', privateKey: dkimPrivate },
      },
    );
    assert.match(info.response, /^250 /);
    const stored = (await folder('\\Inbox')).find((raw) => raw.includes('signed and aligned'))!;
    const { checks, received } = withoutReceivedHeader(stored);
    assert.match(checks, /^Received-SPF: pass .*client-ip=127\.0\.0\.1;\r\nAuthentication-Results: localhost;\r\n/);
    assert.match(checks, /dkim=pass header\.i=@signed\.example header\.s=mail/);
    assert.match(checks, /spf=pass[^;]*smtp\.mailfrom=news@signed\.example/);
    assert.match(checks, /dmarc=pass[^;]*header\.from=signed\.example/);
    assert.match(received, /\(Sealpost\)/);
    const parsed = await parseMessage(stored);
    assert.deepEqual(parsed.authentication, { spf: 'pass', dkim: 'pass', dmarc: 'pass' });
  });

  test("a sender's own Authentication-Results header is stored below ours and not believed", async () => {
    const forged = 'Authentication-Results: localhost; spf=pass; dkim=pass; dmarc=pass\r\nX-Spam-Flag: NO\r\n';
    await send(
      service,
      'someone@unpublished.example',
      'alice@sealpost.test',
      message('someone@unpublished.example', 'alice@sealpost.test', 'forged verdicts', forged),
    );
    const stored = (await folder('\\Inbox')).find((raw) => raw.includes('forged verdicts'))!;
    const { checks, original } = withoutReceivedHeader(stored);
    assert.match(checks, /spf=none/);
    assert.match(checks, /dkim=none/);
    assert.ok(original.toString().startsWith(forged), "the sender's headers are kept as sent, below ours");
    const parsed = await parseMessage(stored);
    assert.deepEqual(parsed.authentication, { spf: 'none', dkim: 'none', dmarc: 'none' });
    assert.equal(parsed.spam, null);
  });

  test('DMARC quarantine files the message in Junk; DMARC reject refuses it with 550 5.7.1 and stores nothing', async () => {
    await send(service, 'a@quarantined.example', 'alice@sealpost.test', message('a@quarantined.example', 'alice@sealpost.test', 'quarantined by policy'));
    const junk = await folder('\\Junk');
    const quarantined = junk.find((raw) => raw.includes('quarantined by policy'));
    assert.ok(quarantined, 'the message is in Junk');
    assert.match(withoutReceivedHeader(quarantined).checks, /dmarc=fail/);
    assert.ok(!(await folder('\\Inbox')).some((raw) => raw.includes('quarantined by policy')));

    const marker = `refused-${randomBytes(8).toString('hex')}`;
    await assert.rejects(
      send(service, 'a@rejected.example', 'alice@sealpost.test', message('a@rejected.example', 'alice@sealpost.test', marker)),
      (error: Error & { responseCode?: number; response?: string }) => {
        assert.equal(error.responseCode, 550);
        assert.match(error.response ?? '', /^550 5\.7\.1 .*DMARC policy of rejected\.example/);
        return true;
      },
    );
    const all = [...(await folder('\\Inbox')), ...(await folder('\\Junk'))];
    assert.ok(!all.some((raw) => raw.includes(marker)));
    assert.deepEqual(await searchBytes(service.dataDir, marker), [], 'the refused message left nothing on disk');
  });
});

describe('MX sender authentication, configured otherwise', () => {
  test('with enforceDmarc off, a failing message is only marked, in the Inbox', async () => {
    const service = await startTestService(['filter.enforceDmarc=false'], undefined, { inboundDns: zone });
    try {
      const alice = await service.createAccount('alice@sealpost.test');
      await send(service, 'a@rejected.example', 'alice@sealpost.test', message('a@rejected.example', 'alice@sealpost.test', 'kept despite dmarc'));
      const keys = await unlockByPassword(service.core, service.crypto, alice.accountId, alice.password);
      const [stored] = await readFolder(service.core, keys, alice.accountId, '\\Inbox');
      assert.match(withoutReceivedHeader(stored!).checks, /dmarc=fail/);
    } finally {
      await service.stop();
    }
  });

  test('a DNS server that never answers costs the timeout, then the message is stored with temperror', async () => {
    const never = new Promise<never>(() => undefined);
    const silent: DnsResolver = { resolveMx: () => never, resolve4: () => never, resolve6: () => never, resolveTxt: () => never };
    const service = await startTestService(['filter.authenticationTimeoutMs=300'], undefined, { inboundDns: silent });
    try {
      const alice = await service.createAccount('alice@sealpost.test');
      const started = Date.now();
      const info = await send(service, 'a@signed.example', 'alice@sealpost.test', message('a@signed.example', 'alice@sealpost.test', 'slow dns'));
      assert.match(info.response, /^250 /);
      assert.ok(Date.now() - started < 10_000, 'the reply did not wait for DNS');
      const keys = await unlockByPassword(service.core, service.crypto, alice.accountId, alice.password);
      const [stored] = await readFolder(service.core, keys, alice.accountId, '\\Inbox');
      assert.deepEqual((await parseMessage(stored!)).authentication, { spf: 'temperror', dkim: 'temperror', dmarc: 'temperror' });
    } finally {
      await service.stop();
    }
  });

  test('with the checks off, the message streams through with only our Received header', async () => {
    const service = await startTestService(['filter.authentication=false']);
    try {
      const alice = await service.createAccount('alice@sealpost.test');
      const raw = message('a@signed.example', 'alice@sealpost.test', 'unchecked');
      await send(service, 'a@signed.example', 'alice@sealpost.test', raw);
      const keys = await unlockByPassword(service.core, service.crypto, alice.accountId, alice.password);
      const [stored] = await readFolder(service.core, keys, alice.accountId, '\\Inbox');
      const { checks, original } = withoutReceivedHeader(stored!);
      assert.equal(checks, '');
      assert.equal(original.toString(), raw);
      assert.equal((await parseMessage(stored!)).authentication, null);
    } finally {
      await service.stop();
    }
  });
});
