// UIDVALIDITY and UIDs survive a restart of the service, and UIDs are never reused: the
// state lives in the store, not in the sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendRaw, createUser, loggedIn, message, startImapService } from './support.ts';

test('UIDVALIDITY and UIDs are stable across a restart and never reused', async () => {
  const first = await startImapService();
  const user = await createUser(first, 'steady@sealpost.test');
  let before: { uidValidity: string; uids: string[]; flags: string };
  try {
    const client = await loggedIn(first, user);
    await client.command('CREATE Kept');
    for (let i = 0; i < 4; i++) await appendRaw(client, 'Kept', message(`kept ${i}`));
    await client.command('SELECT Kept');
    await client.command('STORE 2 +FLAGS.SILENT (\\Deleted)');
    await client.command('STORE 3 +FLAGS.SILENT (\\Flagged $Label)');
    await client.command('EXPUNGE');
    const status = await client.command('STATUS Kept (UIDVALIDITY UIDNEXT MESSAGES)');
    before = {
      uidValidity: /UIDVALIDITY (\d+)/.exec(status.lines[0]!)![1]!,
      uids: (await client.command('UID SEARCH ALL')).lines,
      // \Recent belongs to the session that saw the messages first, not to the store.
      flags: (await client.command('FETCH 2 (FLAGS)')).lines[0]!.replace(' \\Recent', ''),
    };
    assert.match(status.lines[0]!, /MESSAGES 3 UIDNEXT 5/);
    client.close();
  } finally {
    await first.stop({ keepData: true });
  }
  const second = await startImapService([], first.dataDir);
  try {
    const client = await loggedIn(second, user);
    const status = await client.command('STATUS Kept (UIDVALIDITY UIDNEXT MESSAGES)');
    assert.equal(/UIDVALIDITY (\d+)/.exec(status.lines[0]!)![1], before.uidValidity);
    assert.match(status.lines[0]!, /MESSAGES 3 UIDNEXT 5/);
    await client.command('SELECT Kept');
    assert.deepEqual((await client.command('UID SEARCH ALL')).lines, before.uids);
    assert.deepEqual(before.uids, ['* SEARCH 1 3 4']);
    assert.equal((await client.command('FETCH 2 (FLAGS)')).lines[0], before.flags);
    assert.match((await appendRaw(client, 'Kept', message('after restart'))).tagged, new RegExp(`OK \\[APPENDUID ${before.uidValidity} 5\\]`));
    client.close();
  } finally {
    await second.stop();
  }
});
