// A full data directory (issue 12, item 5), on a real tmpfs of 48 MiB filled to the last
// block: the MX answers 452 4.3.1, IMAP APPEND says NO [UNAVAILABLE] and that the server is
// out of space, the log says so once however many writes are refused, /metrics counts them,
// and the server stays up (a login and a read still work). Once space is freed, writes
// succeed again without a restart, and the log says so once. Needs root to mount the tmpfs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RawSmtp } from '../helpers/raw-smtp.ts';
import { imapClient } from '../helpers/imap-client.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** Writes zeros into `path` until the file system refuses (ENOSPC). */
async function fillUp(path: string): Promise<void> {
  const handle = await open(path, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
  // The last blocks, a small write at a time.
  const rest = await open(path, 'a');
  try {
    for (;;) await rest.write(Buffer.alloc(512));
  } catch {
    // full
  } finally {
    await rest.close().catch(() => undefined);
  }
}

describe('a full data directory', { skip: isRoot ? false : 'mounting a tmpfs needs root' }, () => {
  let mountPoint: string;
  let service: TestService;
  let appPassword: string;

  before(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'sealpost-full-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mountPoint]);
    service = await startTestService(['filter.authentication=false', 'metrics.enabled=true', 'metrics.port=0'], join(mountPoint, 'data'));
    const { accountId, password } = await service.createAccount('fuller@sealpost.test');
    appPassword = await service.createAppPassword(accountId, password);
    await fillUp(join(mountPoint, 'filler'));
  });
  after(async () => {
    await service?.stop().catch(() => undefined);
    await run('umount', ['-l', mountPoint]).catch(() => undefined);
    await rm(mountPoint, { recursive: true, force: true });
  });

  test('MX 452 4.3.1, IMAP NO [UNAVAILABLE], one log line, a metric, and the server still serves', async () => {
    const replies: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const client = await RawSmtp.open(service.port('smtp-mx'));
      await client.reply();
      await client.command('EHLO sender.example');
      await client.command('MAIL FROM:<a@sender.example>');
      await client.command('RCPT TO:<fuller@sealpost.test>');
      await client.command('DATA');
      client.write(`Subject: ${attempt}\r\n\r\n${'x'.repeat(200_000)}\r\n.\r\n`);
      replies.push(await client.reply(30_000));
      client.close();
    }
    for (const reply of replies) assert.match(reply, /^452 4\.3\.1 Insufficient system storage/);

    const imap = imapClient(service, 'fuller@sealpost.test', appPassword);
    await imap.connect();
    await assert.rejects(
      imap.append('INBOX', `Subject: appended\r\n\r\n${'y'.repeat(200_000)}\r\n`),
      (error: Error & { responseText?: string; serverResponseCode?: string }) => {
        assert.match(String(error.responseText ?? error.message), /out of storage space/);
        return true;
      },
    );
    assert.ok((await imap.status('INBOX', { messages: true })).messages === 0, 'reading still works');
    await imap.logout();

    const lines = service.logLines.filter((line) => line.includes('out of space'));
    assert.equal(lines.length, 1, 'said once');
    assert.ok(!service.logLines.some((line) => line.includes('storing a message failed')), 'not logged per message');
    const metrics = await (await fetch(`http://127.0.0.1:${service.port('metrics')}/metrics`)).text();
    assert.match(metrics, /^sealpost_storage_out_of_space_refusals_total [1-9]\d*$/m);
  });

  test('once space is freed, the MX and IMAP APPEND store again without a restart', async () => {
    await unlink(join(mountPoint, 'filler'));
    // The first attempt may still meet the failed store; recovery is retried, not awaited.
    let reply = '';
    for (let attempt = 0; attempt < 40 && !reply.startsWith('250'); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      const client = await RawSmtp.open(service.port('smtp-mx'));
      await client.reply();
      await client.command('EHLO sender.example');
      await client.command('MAIL FROM:<a@sender.example>');
      await client.command('RCPT TO:<fuller@sealpost.test>');
      await client.command('DATA');
      client.write(`Subject: after ${attempt}\r\n\r\n${'z'.repeat(200_000)}\r\n.\r\n`);
      reply = await client.reply(30_000);
      client.close();
    }
    assert.match(reply, /^250 /, 'the MX stores again');

    const imap = imapClient(service, 'fuller@sealpost.test', appPassword);
    await imap.connect();
    const appended = await imap.append('INBOX', `Subject: appended after\r\n\r\n${'y'.repeat(200_000)}\r\n`);
    assert.ok(appended, 'APPEND OK');
    assert.equal((await imap.status('INBOX', { messages: true })).messages, 2);
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const bodies: string[] = [];
      for await (const message of imap.fetch('1:*', { source: true })) bodies.push(message.source?.toString('utf8') ?? '');
      assert.ok(bodies.some((body) => body.includes('z'.repeat(1000))));
      assert.ok(bodies.some((body) => body.includes('appended after')));
    } finally {
      lock.release();
    }
    await imap.logout();
    assert.equal(service.logLines.filter((line) => line.includes('storage: writes succeed again')).length, 1, 'said once');
  });
});
