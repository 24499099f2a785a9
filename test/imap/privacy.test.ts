// docs/design.md promises 1 and 4 through IMAP: a canary appended, used as a folder name and
// searched for is nowhere in the data directory or the logs; a client logging in (and
// failing to) from 127.0.0.77 leaves that address nowhere either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { searchBytes } from '../helpers/byte-search.ts';
import { appendRaw, createUser, quote, RawImap, startImapService } from './support.ts';

const CLIENT_ADDRESS = '127.0.0.77';

test('no canary plaintext and no client address at rest or in the logs after IMAP sessions', async () => {
  const service = await startImapService();
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  let dataDir = '';
  let logText = '';
  let appPassword = '';
  try {
    const user = await createUser(service, 'private@sealpost.test');
    appPassword = user.appPassword;
    const failing = await RawImap.open(service.port('imaps'), { tls: true, localAddress: CLIENT_ADDRESS });
    assert.match((await failing.login(user.address, 'not-the-password')).tagged, / NO /);
    failing.close();
    const client = await RawImap.open(service.port('imaps'), { tls: true, localAddress: CLIENT_ADDRESS });
    assert.match((await client.login(user.address, user.appPassword)).tagged, / OK /);
    assert.match((await client.command(`CREATE ${quote(`Folder ${canary}`)}`)).tagged, / OK /);
    await client.command(`SUBSCRIBE ${quote(`Gone ${canary}`)}`);
    const text = `From: ${canary}@example.com\r\nSubject: ${canary}\r\nMessage-ID: <${canary}@example.com>\r\n\r\nThe canary is ${canary}.\r\n`;
    assert.match((await appendRaw(client, `Folder ${canary}`, text, `$${canary.slice(0, 10)}`)).tagged, / OK \[APPENDUID/);
    await client.command(`SELECT ${quote(`Folder ${canary}`)}`);
    assert.deepEqual((await client.command(`SEARCH TEXT ${canary}`)).lines, ['* SEARCH 1']);
    assert.match((await client.command('COPY 1 INBOX')).tagged, / OK \[COPYUID/);
    assert.match((await client.command('FETCH 1 BODY[]')).lines[0]!, new RegExp(canary));
    await client.command('LOGOUT');
    client.close();
    dataDir = service.dataDir;
  } finally {
    logText = service.logLines.join('\n');
    await service.stop({ keepData: true });
  }
  try {
    assert.deepEqual(await searchBytes(dataDir, canary), [], 'canary plaintext at rest');
    assert.deepEqual(await searchBytes(dataDir, CLIENT_ADDRESS), [], 'client address at rest');
    assert.ok(logText.includes('imap: logged in'), 'the logs were captured');
    assert.ok(!logText.includes(CLIENT_ADDRESS), 'client address in the logs');
    assert.ok(!logText.includes(canary), 'canary in the logs');
    assert.ok(!logText.includes(appPassword), 'app password in the logs');
    assert.ok(!logText.includes('private@sealpost.test'), 'login name in the logs');
  } finally {
    const { rm } = await import('node:fs/promises');
    await rm(dataDir, { recursive: true, force: true });
  }
});
