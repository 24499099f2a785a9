// POP3 with curl, a second independent client: pop3s:// (implicit TLS) and pop3:// with
// --ssl-reqd (STLS), listing, retrieving byte-exact, UIDL, TOP and DELE as custom commands,
// SASL-IR, and refusals (wrong app password; no TLS, no login).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutReceivedHeader } from '../helpers/mail.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { curl, deliver, mailboxWithAppPassword } from './clients.ts';

/** curl's exit code for a login the server refused. */
const CURLE_LOGIN_DENIED = 67;

describe('POP3 with curl', () => {
  let service: TestService;
  let box: Awaited<ReturnType<typeof mailboxWithAppPassword>>;
  const messages = [
    Buffer.from('From: a@remote.example\r\nSubject: first\r\n\r\nhello\r\n.leading dot\r\n'),
    Buffer.from('From: b@remote.example\r\nSubject: second\r\n\r\nline 1\r\nline 2\r\nline 3\r\n'),
  ];

  before(async () => {
    service = await startTestService(['pop3.port=0', 'pop3.tlsPort=0', 'pop3.authFailureDelayMs=50']);
    box = await mailboxWithAppPassword(service, 'curl.user@sealpost.test');
    for (const message of messages) await deliver(service, box.address, message);
  });
  after(() => service.stop());

  const login = () => ['--user', `${box.address}:${box.appPassword}`];
  const implicit = (path = '') => `pop3s://127.0.0.1:${service.port('pop3s')}/${path}`;
  const starttls = (path = '') => `pop3://127.0.0.1:${service.port('pop3')}/${path}`;

  test('lists and retrieves byte-exact over implicit TLS and over STLS', async () => {
    const inbox = await service.core.folders.findBySpecialUse(box.accountId, '\\Inbox');
    const sizes = (await service.core.messages.list(box.accountId, inbox.id)).map((record) => record.size);
    for (const url of [implicit(), starttls()]) {
      const list = await curl([url, ...login(), '--ssl-reqd']);
      assert.equal(list.code, 0, list.stderr);
      assert.equal(list.stdout.toString(), `1 ${sizes[0]}\r\n2 ${sizes[1]}\r\n`);
    }
    for (const [index, message] of messages.entries()) {
      for (const url of [implicit(String(index + 1)), starttls(String(index + 1))]) {
        const retrieved = await curl([url, ...login(), '--ssl-reqd']);
        assert.equal(retrieved.code, 0, retrieved.stderr);
        assert.deepEqual(withoutReceivedHeader(retrieved.stdout).original, message, url);
      }
    }
  });

  test('UIDL and TOP as custom commands, with SASL-IR', async () => {
    const inbox = await service.core.folders.findBySpecialUse(box.accountId, '\\Inbox');
    const uids = (await service.core.messages.list(box.accountId, inbox.id)).map((record) => record.uid);
    const uidl = await curl([implicit(), ...login(), '--sasl-ir', '--request', 'UIDL']);
    assert.equal(uidl.stdout.toString(), `1 ${inbox.uidValidity}.${uids[0]}\r\n2 ${inbox.uidValidity}.${uids[1]}\r\n`);
    const top = await curl([starttls(), ...login(), '--ssl-reqd', '--request', 'TOP 2 1']);
    assert.equal(top.code, 0, top.stderr);
    assert.ok(top.stdout.toString().endsWith('Subject: second\r\n\r\nline 1\r\n'), top.stdout.toString());
  });

  test('refusals: a wrong app password, the account password, and any login without TLS', async () => {
    const wrong = await curl([implicit(), '--user', `${box.address}:${service.crypto.newAppPassword()}`]);
    assert.equal(wrong.code, CURLE_LOGIN_DENIED, wrong.stderr);
    const accountPassword = await curl([implicit(), '--user', `${box.address}:${box.password}`]);
    assert.equal(accountPassword.code, CURLE_LOGIN_DENIED, accountPassword.stderr);
    const clear = await curl([starttls(), ...login(), '--verbose']);
    assert.equal(clear.code, CURLE_LOGIN_DENIED, clear.stderr);
    assert.ok(!clear.stderr.includes(box.appPassword) && !clear.stderr.includes('> PASS'), 'the secret never went out in clear');
  });

  test("DELE as a custom command takes effect at curl's QUIT", async () => {
    const inbox = await service.core.folders.findBySpecialUse(box.accountId, '\\Inbox');
    const dele = await curl([implicit(), ...login(), '--request', 'DELE 1', '--head']);
    assert.equal(dele.code, 0, dele.stderr);
    const remaining = await service.core.messages.list(box.accountId, inbox.id);
    assert.equal(remaining.length, 1);
    const list = await curl([implicit(), ...login()]);
    assert.equal(list.stdout.toString(), `1 ${remaining[0]!.size}\r\n`);
  });
});
