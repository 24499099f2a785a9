// The MX with a real rspamd (Debian's): its verdict is stored in X-Spam headers the webmail
// shows, spam lands in Junk, rspamd's reject refuses the message before anything is stored,
// and neither rspamd nor Sealpost keeps the content or the peer's address. Without rspamd the
// operator's choice holds: accept unchecked, or ask the sender to retry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { parseMessage } from '../../client/src/lib/worker/message-parser.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { readFolder, unlockByPassword, withoutReceivedHeader } from '../helpers/mail.ts';
import { GTUBE, removeRspamd, startRspamd, type RunningRspamd } from '../helpers/rspamd.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

/** A client address no other test uses, to search for. */
const PEER_ADDRESS = '127.0.0.77';

function message(subject: string, body: string): string {
  return (
    `From: Sender <sender@remote.example>\r\nTo: <alice@sealpost.test>\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@remote.example>\r\n` +
    `Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`
  );
}

function send(service: TestService, raw: string) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: service.port('smtp-mx'),
    secure: false,
    localAddress: PEER_ADDRESS,
    tls: { rejectUnauthorized: false },
  });
  return transport.sendMail({ envelope: { from: 'sender@remote.example', to: ['alice@sealpost.test'] }, raw });
}

describe('MX with rspamd', () => {
  let rspamd: RunningRspamd;
  let service: TestService;
  let alice: { accountId: string; password: string };

  before(async () => {
    rspamd = await startRspamd();
    service = await startTestService([`filter.rspamd.url=${rspamd.url}`]);
    alice = await service.createAccount('alice@sealpost.test');
  });
  after(async () => {
    await service?.stop();
    if (rspamd) await removeRspamd(rspamd);
  });

  const folder = async (specialUse: '\\Inbox' | '\\Junk') =>
    readFolder(service.core, await unlockByPassword(service.core, service.crypto, alice.accountId, alice.password), alice.accountId, specialUse);

  test("ham goes to the Inbox with rspamd's score, which the webmail shows", async () => {
    await send(service, message('quarterly figures', 'The figures are attached to the next mail.'));
    const stored = (await folder('\\Inbox')).find((raw) => raw.includes('quarterly figures'))!;
    const { checks } = withoutReceivedHeader(stored);
    assert.match(checks, /X-Spam-Flag: NO\r\nX-Spam-Score: -?\d+\.\d\d\r\nX-Spam-Status: No, score=-?\d+\.\d\d action="(no action|greylist)"\r\n$/);
    const parsed = await parseMessage(stored);
    assert.equal(parsed.spam?.flagged, false);
    assert.match(parsed.spam?.score ?? '', /^-?\d+\.\d\d$/);
  });

  test('spam rspamd would mark goes to Junk, flagged', async () => {
    await send(service, message('cheap offer', `Buy now. ${GTUBE.addHeader}`));
    const stored = (await folder('\\Junk')).find((raw) => raw.includes('cheap offer'));
    assert.ok(stored, 'the message is in Junk');
    assert.match(withoutReceivedHeader(stored).checks, /X-Spam-Flag: YES\r\n/);
    assert.equal((await parseMessage(stored)).spam?.flagged, true);
    assert.ok(!(await folder('\\Inbox')).some((raw) => raw.includes('cheap offer')));
  });

  test('spam rspamd rejects is refused with 550 5.7.1 and nothing is stored', async () => {
    const marker = `rejected-${randomBytes(8).toString('hex')}`;
    await assert.rejects(send(service, message(marker, GTUBE.reject)), (error: Error & { response?: string }) => {
      assert.match(error.response ?? '', /^550 5\.7\.1 Message rejected as spam/);
      return true;
    });
    assert.ok(![...(await folder('\\Inbox')), ...(await folder('\\Junk'))].some((raw) => raw.includes(marker)));
  });

  test('refusals and Junk filings are counted for stats and /metrics', () => {
    const counts = service.core.statistics.sinceStart();
    assert.equal(counts.spamRejected, 1);
    assert.equal(counts.spamJunked, 1);
  });

  test("neither rspamd nor Sealpost keeps the content or the peer's address", async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    await send(service, message(`subject ${canary}`, `body ${canary}`));
    assert.ok(
      (await folder('\\Inbox')).some((raw) => raw.includes(canary)),
      'delivered and readable by its owner',
    );
    await rspamd.stop();
    for (const needle of [canary, PEER_ADDRESS]) {
      assert.deepEqual(await searchBytes(rspamd.directory, needle), [], `rspamd's files hold no ${needle}`);
      assert.ok(!rspamd.output().includes(needle), `rspamd's log holds no ${needle}`);
      assert.ok(!service.logLines.some((line) => line.includes(needle)), `Sealpost's log holds no ${needle}`);
    }
    assert.deepEqual(await searchBytes(service.dataDir, canary), []);
  });
});

describe('MX when rspamd cannot be reached', () => {
  /** A port nothing listens on: the first port of the dynamic range is never bound here. */
  const DEAD_RSPAMD = 'http://127.0.0.1:9';

  test('accepts the message unchecked by default, and says so in the log', async () => {
    const service = await startTestService([`filter.rspamd.url=${DEAD_RSPAMD}`]);
    try {
      const alice = await service.createAccount('alice@sealpost.test');
      const info = await send(service, message('while rspamd is down', 'Hello.'));
      assert.match(info.response, /^250 /);
      const keys = await unlockByPassword(service.core, service.crypto, alice.accountId, alice.password);
      const [stored] = await readFolder(service.core, keys, alice.accountId, '\\Inbox');
      assert.doesNotMatch(withoutReceivedHeader(stored!).checks, /X-Spam/);
      assert.ok(service.logLines.some((line) => line.includes('spam check unavailable')));
    } finally {
      await service.stop();
    }
  });

  test('answers 451 4.7.1 when configured to defer', async () => {
    const service = await startTestService([`filter.rspamd.url=${DEAD_RSPAMD}`, 'filter.rspamd.whenUnavailable=tempfail']);
    try {
      await service.createAccount('alice@sealpost.test');
      await assert.rejects(send(service, message('deferred', 'Hello.')), (error: Error & { response?: string }) => {
        assert.match(error.response ?? '', /^451 4\.7\.1 /);
        return true;
      });
    } finally {
      await service.stop();
    }
  });
});
