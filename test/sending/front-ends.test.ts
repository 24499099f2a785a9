// One send path: the same messages sent by SMTP submission (nodemailer) and by the webmail's
// send (the web API, as the browser calls it) leave the same traces, because both go through
// the one sending service: the sender's and the recipients' delivery-log rows, the
// messagesOut statistic, the sending budget, and what reaches the other server through the
// queue. (Before the sending service, a webmail message to a local account was missing from
// the sender's delivery log and from messagesOut.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { DeliveryLogEntry } from '../../server/core/delivery-log.ts';
import { createLogger } from '../../server/log.ts';
import { buildWebApp } from '../../server/web/server.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { b64, BrowserLikeClient } from '../web/support.ts';

const DOMAIN = 'sealpost.test';

interface Case {
  name: string;
  to: string[];
}

/** Each case is sent once per front-end, to recipients of its own so the traces can be told apart. */
const CASES: Case[] = [
  { name: 'local only', to: ['reader'] },
  { name: 'local and remote', to: ['reader', 'far@example.org'] },
  { name: 'remote only', to: ['far@example.org', 'near@example.org'] },
];

type FrontEnd = 'submission' | 'web';

/** A delivery-log row without what differs by nature (time, size of our own headers). */
const shape = (entry: DeliveryLogEntry) => ({
  direction: entry.direction,
  status: entry.status.replace(/: 250 .*$/, ': 250 …'),
  remote: entry.remote === null ? null : 'the other server',
  recipientDomain: entry.recipientDomain ?? null,
});

describe('one send path for submission and the webmail', () => {
  let service: TestService;
  let remote: RemoteMx;
  let web: BrowserLikeClient;
  let senderId: string;
  let readerId: string;
  let appPassword: string;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    remote = await startRemoteMx();
    service = await startTestService(['billing.enabled=false', `outbound.staticRoutes=example.org=127.0.0.1:${remote.port}`]);
    const sender = await service.createAccount(`writer@${DOMAIN}`);
    senderId = sender.accountId;
    ({ accountId: readerId } = await service.createAccount(`reader@${DOMAIN}`));
    appPassword = await service.createAppPassword(senderId, sender.password);
    // The web API on the service's own core and sending service, as `sealpost start` wires it.
    const app = await buildWebApp({
      core: service.core,
      crypto: service.crypto,
      config: service.config,
      logger: createLogger('silent'),
      serverKey: service.crypto.randomBytes(32),
      sending: service.sending,
    });
    await app.ready();
    closers.push(() => app.close());
    web = new BrowserLikeClient(app, service.crypto, '127.0.0.1');
    assert.equal((await web.login(`writer@${DOMAIN}`, sender.password)).status, 200);
  });
  after(async () => {
    for (const close of closers) await close();
    await service.stop();
    await remote.close();
  });

  const message = (to: string[], subject: string) =>
    Buffer.from(
      `From: Writer <writer@${DOMAIN}>\r\nTo: ${to.join(', ')}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@${DOMAIN}>\r\n\r\nHello.\r\n`,
    );

  const send = async (frontEnd: FrontEnd, to: string[], subject: string) => {
    const raw = message(to, subject);
    if (frontEnd === 'submission') {
      const info = await nodemailer
        .createTransport({
          host: '127.0.0.1',
          port: service.port('submissions'),
          secure: true,
          tls: { rejectUnauthorized: false },
          auth: { user: `writer@${DOMAIN}`, pass: appPassword },
        })
        .sendMail({ envelope: { from: `writer@${DOMAIN}`, to }, raw });
      assert.match(info.response, /^250 /);
    } else {
      const response = await web.request('POST', '/api/send', { from: `writer@${DOMAIN}`, recipients: to, message: b64(raw) });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.ok(
        response.body.recipients.every((entry: { status: string }) => entry.status !== 'failed'),
        JSON.stringify(response.body),
      );
    }
    await service.outbound!.settled();
  };

  const traces = async () => {
    await service.core.statistics.flush();
    const [today] = await service.core.statistics.daily();
    return {
      sender: (await service.core.deliveryLog.search({ accountId: senderId })).map(shape),
      reader: (await service.core.deliveryLog.search({ accountId: readerId })).map(shape),
      messagesOut: today?.messagesOut ?? 0,
      atTheOtherServer: remote.received.length,
      queued: (await service.outbound!.list()).length,
    };
  };

  for (const { name, to } of CASES) {
    test(`${name}: both front-ends leave the same log rows, counters and queued messages`, async () => {
      const recipients = to.map((recipient) => (recipient.includes('@') ? recipient : `${recipient}@${DOMAIN}`));
      const seen: Record<FrontEnd, unknown> = { submission: null, web: null };
      for (const frontEnd of ['submission', 'web'] as const) {
        const before = await traces();
        await send(frontEnd, recipients, `${name} by ${frontEnd}`);
        const after = await traces();
        seen[frontEnd] = {
          senderRows: after.sender.slice(before.sender.length).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
          readerRows: after.reader.slice(before.reader.length),
          messagesOut: after.messagesOut - before.messagesOut,
          atTheOtherServer: after.atTheOtherServer - before.atTheOtherServer,
          stillQueued: after.queued,
        };
      }
      assert.deepEqual(seen.web, seen.submission);
      const local = recipients.filter((address) => address.endsWith(`@${DOMAIN}`)).length;
      const expected = seen.submission as { senderRows: unknown[]; readerRows: unknown[]; messagesOut: number; atTheOtherServer: number; stillQueued: number };
      assert.equal(expected.senderRows.length, recipients.length, 'one "out" row per recipient in the sender\'s log');
      assert.equal(expected.readerRows.length, local, 'one "in" row per local recipient');
      assert.equal(expected.messagesOut, 1);
      assert.equal(expected.atTheOtherServer, recipients.length > local ? 1 : 0);
      assert.equal(expected.stillQueued, 0);
    });
  }

  test("the webmail's local send is in the sender's delivery log, tagged with its source", async () => {
    await send('web', [`reader@${DOMAIN}`], 'tagged');
    const [last] = (await service.core.deliveryLog.search({ accountId: senderId })).slice(-1);
    assert.deepEqual([last?.direction, last?.status, last?.source, last?.recipientDomain], ['out', 'delivered locally', 'web', DOMAIN]);
  });
});
