// Live updates over a real socket (server-sent events), and the client-setup endpoints.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DOMAIN, startWebTestbed, type WebTestbed } from './support.ts';

describe('web live updates and client setup', () => {
  let bed: WebTestbed;
  let origin: string;

  before(async () => {
    bed = await startWebTestbed({
      web: {
        endpoints: () => [
          { name: 'smtp-mx', port: 2525, tls: 'starttls' },
          { name: 'imaps', port: 9993, tls: 'implicit' },
          { name: 'pop3s', port: 9995, tls: 'implicit' },
          { name: 'submission', port: 5587, tls: 'starttls' },
        ],
      },
    });
    await bed.app.listen({ host: '127.0.0.1', port: 0 });
    const address = bed.app.server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(() => bed.close());

  test('new mail and flag changes from other sessions arrive as events with ids only', async () => {
    const { accountId } = await bed.createAccount(`listener@${DOMAIN}`);
    const client = bed.client();
    await client.login(`listener@${DOMAIN}`);
    const response = await fetch(`${origin}/api/events`, { headers: { cookie: client.cookie! } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
    const reader = response.body!.getReader();
    const received: string[] = [];
    const nextEvents = async (count: number) => {
      while (received.filter((block) => block.startsWith('event:')).length < count) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        received.push(...new TextDecoder().decode(value).split('\n\n').filter(Boolean));
      }
      return received.filter((block) => block.startsWith('event:'));
    };
    await bed.core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address: `listener@${DOMAIN}` }],
      content: (async function* () {
        yield Buffer.from('Subject: live SECRETSUBJECT\r\n\r\nhello\r\n');
      })(),
    });
    const inbox = await bed.core.folders.findBySpecialUse(accountId, '\\Inbox');
    await bed.core.mailbox.setFlags(accountId, inbox.id, [1], { mode: 'add', flags: ['\\Seen'] });
    const events = await nextEvents(2);
    assert.match(events[0]!, new RegExp(`^event: message-added\ndata: \\{"type":"message-added","folderId":"${inbox.id}","uid":1,"modSeq":\\d+\\}$`));
    assert.match(events[1]!, /^event: flags-changed\ndata: .*"flags":\["\\\\Seen"\]/);
    assert.ok(!received.join().includes('SECRETSUBJECT'));
    assert.ok(!received.join().includes(accountId), 'not even the account id');
    await client.request('POST', '/api/session/logout', {});
    await reader.cancel();
  });

  test('the stream needs a session', async () => {
    assert.equal((await fetch(`${origin}/api/events`)).status, 401);
  });

  test('client setup lists the mail services; autoconfig and the Apple profile describe them', async () => {
    const setup = await (await fetch(`${origin}/api/client-setup`)).json();
    assert.deepEqual(setup.services, [
      { protocol: 'imap', hostname: 'localhost', port: 9993, security: 'tls' },
      { protocol: 'pop3', hostname: 'localhost', port: 9995, security: 'tls' },
      { protocol: 'smtp', hostname: 'localhost', port: 5587, security: 'starttls' },
    ]);
    const xml = await (await fetch(`${origin}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=someone%40${DOMAIN}`)).text();
    assert.match(xml, new RegExp(`<emailProvider id="${DOMAIN.replace('.', '\\.')}">`));
    assert.match(xml, /<incomingServer type="imap">\s*<hostname>localhost<\/hostname>\s*<port>9993<\/port>\s*<socketType>SSL<\/socketType>/);
    assert.match(xml, /<outgoingServer type="smtp">\s*<hostname>localhost<\/hostname>\s*<port>5587<\/port>\s*<socketType>STARTTLS<\/socketType>/);
    const profile = await fetch(`${origin}/api/client-setup/sealpost.mobileconfig?address=someone%40${DOMAIN}`);
    assert.equal(profile.headers.get('content-type'), 'application/x-apple-aspen-config');
    const text = await profile.text();
    assert.match(text, /<key>IncomingMailServerPortNumber<\/key>\s*<integer>9993<\/integer>/);
    assert.match(text, new RegExp(`<key>EmailAddress</key>\\s*<string>someone@${DOMAIN.replace('.', '\\.')}</string>`));
    assert.doesNotMatch(text, /Password<\/key>\s*<string>/, 'no password in the profile');
  });

  test('every response carries the security headers; the message frame gets its own policy', async () => {
    const app = await fetch(`${origin}/api/health`);
    assert.match(app.headers.get('content-security-policy')!, /script-src 'self' 'wasm-unsafe-eval';/);
    assert.equal(app.headers.get('cache-control'), 'no-store');
    assert.equal(app.headers.get('referrer-policy'), 'no-referrer');
    const frame = await fetch(`${origin}/message-frame.html`);
    assert.equal(frame.status, 200);
    assert.match(frame.headers.get('content-security-policy')!, /^default-src 'none'; style-src 'unsafe-inline'; img-src data: blob:;/);
  });
});
