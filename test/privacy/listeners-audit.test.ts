// docs/design.md promise 4 across the whole service: a client at 127.0.0.77 uses every listener
// (SMTP MX as a sending server; submission on both ports, IMAP, POP3 and the web API as a
// user who logs in, reads and sends; /metrics as a scraper), with failed logins too, and as
// a trusted reverse proxy forwards web requests of a client at 127.0.0.78. Then
// the address is searched in every file of the data directory, in the service log, in the
// metrics, and in the mail as stored: only the delivery log may name it, and only as the
// MX's peer (a server, not a client). A listener the audit expects but the service does not
// run fails the test by name: the audit never shrinks silently.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { connect as connectPlain } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { toBase64 } from '../../server/core/records.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { RawImap } from '../imap/support.ts';

const CLIENT = '127.0.0.77';
/** A client behind 127.0.0.77 acting as a trusted reverse proxy (web.trustedProxies). */
const FORWARDED_CLIENT = '127.0.0.78';
/** Every listener the audit covers; each must run. */
const EXPECTED_LISTENERS = ['smtp-mx', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'https', 'metrics'];

function httpsCall(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  cookie?: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: string; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const call = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        localAddress: CLIENT,
        rejectUnauthorized: false,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}), ...extraHeaders },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: text, cookie: response.headers['set-cookie']?.[0]?.split(';')[0] }));
      },
    );
    call.on('error', reject);
    call.end(payload);
  });
}

/** A POP3 conversation over implicit TLS; returns every reply line. */
async function pop3Session(port: number, lines: string[]): Promise<string[]> {
  // TLS over a TCP socket bound to the client address (tls.connect has no localAddress).
  const tcp = connectPlain({ host: '127.0.0.1', port, localAddress: CLIENT });
  await new Promise<void>((resolve, reject) => tcp.once('connect', () => resolve()).once('error', reject));
  const socket = connectTls({ socket: tcp, rejectUnauthorized: false });
  const replies: string[] = [];
  let buffer = '';
  socket.setEncoding('latin1');
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const newline = buffer.indexOf('\r\n');
        if (newline < 0) return false;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        socket.off('data', onData);
        resolve(line);
        return true;
      };
      const onData = (chunk: string) => {
        buffer += chunk;
        check();
      };
      if (!check()) socket.on('data', onData);
      socket.once('error', reject);
    });
  replies.push(await next());
  for (const line of lines) {
    socket.write(`${line}\r\n`);
    replies.push(await next());
  }
  socket.end();
  return replies;
}

describe('no client address is written anywhere (every listener)', () => {
  let service: TestService;
  let user: { accountId: string; password: string; appPassword: string };

  before(async () => {
    // The trusted proxy as a range (.76–.77): data/config.json keeps the settings, and the
    // audit searches for the client's address as text.
    service = await startTestService(['web.enabled=true', 'metrics.enabled=true', 'web.trustedProxies=127.0.0.76/31']);
    const account = await service.createAccount('audited@sealpost.test');
    user = { ...account, appPassword: await service.createAppPassword(account.accountId, account.password) };
    await service.createAccount('friend.local@sealpost.test');
  });
  after(() => service.stop());

  test('every listener the audit covers is running', () => {
    const running = service.listeners.map((listener) => listener.name);
    const missing = EXPECTED_LISTENERS.filter((name) => !running.includes(name));
    assert.deepEqual(missing, [], `the service runs no listener named ${missing.join(', ')}: the privacy audit cannot cover it`);
  });

  test('a client at 127.0.0.77 uses them all, and leaves its address nowhere but the MX peer field', async () => {
    const has = (name: string) => service.listeners.some((listener) => listener.name === name);

    // SMTP MX: 127.0.0.77 plays a remote mail server.
    await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('smtp-mx'),
        localAddress: CLIENT,
        name: 'mx.remote.example',
        tls: { rejectUnauthorized: false },
      })
      .sendMail({ from: 'someone@remote.example', to: 'audited@sealpost.test', subject: 'via mx', text: 'hello' });

    // Submission on both ports: a user sends to a local recipient; a wrong password first.
    for (const [name, secure] of [
      ['submission', false],
      ['submissions', true],
    ] as const) {
      if (!has(name)) continue;
      const transport = (pass: string) =>
        nodemailer.createTransport({
          host: '127.0.0.1',
          port: service.port(name),
          secure,
          localAddress: CLIENT,
          auth: { user: 'audited@sealpost.test', pass },
          tls: { rejectUnauthorized: false },
        });
      await assert.rejects(transport('not-the-app-password').sendMail({ from: 'audited@sealpost.test', to: 'friend.local@sealpost.test', text: 'x' }));
      await transport(user.appPassword).sendMail({ from: 'audited@sealpost.test', to: 'friend.local@sealpost.test', subject: `via ${name}`, text: 'hello' });
    }

    // IMAP over implicit TLS and with STARTTLS: a failed login, then a session that reads.
    for (const [name, tls] of [
      ['imaps', true],
      ['imap', false],
    ] as const) {
      if (!has(name)) continue;
      const client = await RawImap.open(service.port(name), { tls, localAddress: CLIENT });
      if (!tls) await client.startTls();
      assert.match((await client.login('audited@sealpost.test', 'wrong')).tagged, /NO/);
      assert.match((await client.login('audited@sealpost.test', user.appPassword)).tagged, /OK/);
      assert.match((await client.command('SELECT INBOX')).tagged, /OK/);
      assert.match((await client.command('FETCH 1:* (ENVELOPE BODY.PEEK[])')).tagged, /OK/);
      await client.command('LOGOUT');
    }

    // POP3 over implicit TLS.
    if (has('pop3s')) {
      const replies = await pop3Session(service.port('pop3s'), [
        'USER audited@sealpost.test',
        'PASS wrong',
        'USER audited@sealpost.test',
        `PASS ${user.appPassword}`,
        'STAT',
        'QUIT',
      ]);
      assert.match(replies[2]!, /^-ERR/);
      assert.match(replies[4]!, /^\+OK/, replies.join(' | '));
    }

    // The web API: prelogin, a wrong login, a right one, an authenticated read.
    if (has('https')) {
      const port = service.port('https');
      assert.equal((await httpsCall(port, 'GET', '/api/health')).status, 200);
      const prelogin = JSON.parse((await httpsCall(port, 'POST', '/api/auth/prelogin', { address: 'audited@sealpost.test' })).body) as {
        salt: string;
        kdf: { algorithm: 'argon2id13'; opsLimit: number; memLimitBytes: number };
      };
      const derived = await service.crypto.deriveFromPassword(user.password, Buffer.from(prelogin.salt, 'base64'), prelogin.kdf);
      assert.equal(
        (await httpsCall(port, 'POST', '/api/auth/login', { address: 'audited@sealpost.test', authKey: toBase64(service.crypto.randomBytes(32)) })).status,
        401,
      );
      const login = await httpsCall(port, 'POST', '/api/auth/login', { address: 'audited@sealpost.test', authKey: toBase64(derived.authKey) });
      assert.equal(login.status, 200, login.body);
      assert.equal((await httpsCall(port, 'GET', '/api/account', undefined, login.cookie)).status, 200);
      assert.equal((await httpsCall(port, 'GET', '/no/such/page')).status >= 400, true);
      // Through 127.0.0.77 as a trusted proxy: the forwarded address feeds rate limits only.
      const forwarded = { 'x-forwarded-for': FORWARDED_CLIENT };
      assert.equal((await httpsCall(port, 'POST', '/api/auth/prelogin', { address: 'audited@sealpost.test' }, undefined, forwarded)).status, 200);
      assert.equal(
        (
          await httpsCall(
            port,
            'POST',
            '/api/auth/login',
            { address: 'audited@sealpost.test', authKey: toBase64(service.crypto.randomBytes(32)) },
            undefined,
            forwarded,
          )
        ).status,
        401,
      );
    }

    // /metrics, scraped from the same address.
    let metrics = '';
    if (has('metrics')) {
      metrics = await new Promise<string>((resolve, reject) => {
        plainRequest({ host: '127.0.0.1', port: service.port('metrics'), path: '/metrics', localAddress: CLIENT }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      assert.match(metrics, /sealpost_messages_received_total/);
    }

    await service.core.statistics.flush();
    assert.ok(!metrics.includes(FORWARDED_CLIENT), 'the forwarded client is not in the metrics');
    assert.deepEqual(
      service.logLines.filter((line) => line.includes(FORWARDED_CLIENT)),
      [],
      'the forwarded client is not in the service log',
    );
    assert.deepEqual(await searchBytes(service.dataDir, FORWARDED_CLIENT), [], 'the forwarded client is not in the data directory');
    assert.ok(!metrics.includes(CLIENT), 'not in the metrics');
    assert.deepEqual(
      service.logLines.filter((line) => line.includes(CLIENT)),
      [],
      'not in the service log',
    );
    for (const hit of await searchBytes(service.dataDir, CLIENT)) {
      assert.match(
        hit.before,
        /dlog\/\d{4}-\d{2}-\d{2}\/[0-9a-f]+\/[\s\S]{0,300}"remote":"\[$/,
        `${hit.file} holds the client address outside the MX delivery-log entry`,
      );
    }
    for (const [address, account] of [['friend.local@sealpost.test', await service.core.accounts.getByAddress('friend.local@sealpost.test')]] as const) {
      const friendKeys = await unlockByPassword(service.core, service.crypto, account.id, 'correct horse battery staple');
      const stored = await readInbox(service.core, friendKeys, account.id);
      assert.ok(stored.length >= 1, `${address} received the submitted mail`);
      for (const message of stored) assert.ok(!message.includes(CLIENT), 'no Received header of submitted mail names the client');
    }
  });
});
