// At the default level (info) the service log is no activity trail (issue 12, item 13): an
// IMAP login and a webmail session leave neither the account id nor a request path in it.
// At debug both appear, for an operator chasing a fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imapClient } from '../helpers/imap-client.ts';
import { startTestService } from '../helpers/service.ts';
import { DOMAIN, startWebTestbed } from '../web/support.ts';

test('IMAP: "logged in" at info names the session, not the account', async () => {
  const service = await startTestService(['log.level=info']);
  try {
    const { accountId, password } = await service.createAccount('trail@sealpost.test');
    const appPassword = await service.createAppPassword(accountId, password);
    const client = imapClient(service, 'trail@sealpost.test', appPassword);
    await client.connect();
    await client.mailboxOpen('INBOX');
    await client.logout();
    assert.ok(
      service.logLines.some((line) => line.includes('imap: logged in')),
      'the log was captured',
    );
    assert.ok(!service.logLines.some((line) => line.includes(accountId)), 'no account id at info');
  } finally {
    await service.stop();
  }
});

for (const level of ['info', 'debug'] as const) {
  test(`web at ${level}: request paths and account ids ${level === 'info' ? 'are not' : 'are'} logged`, async () => {
    const bed = await startWebTestbed({ overrides: [`log.level=${level}`] });
    try {
      const address = `trail@${DOMAIN}`;
      const { accountId } = await bed.createAccount(address);
      const client = bed.client();
      await client.login(address);
      const folders = await client.request('GET', '/api/folders');
      assert.equal(folders.status, 200);
      const inbox = folders.body.folders[0].id as string;
      assert.equal((await client.request('GET', `/api/folders/${inbox}/messages`)).status, 200);
      const log = bed.logLines.join('\n');
      if (level === 'info') {
        assert.ok(!log.includes('/api/'), 'no request path');
        assert.ok(!log.includes(accountId) && !log.includes(inbox), 'no account or folder id');
      } else {
        assert.match(log, /"path":"\/api\/folders\//);
      }
    } finally {
      await bed.close();
    }
  });
}
