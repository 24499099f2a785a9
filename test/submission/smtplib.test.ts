// Python's smtplib as a second, independent submission client: STARTTLS on 587 (and no AUTH
// offered before it), implicit TLS on 465, AUTH LOGIN/PLAIN as smtplib picks, a message that
// arrives in the recipient's Inbox; and a wrong password refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { startTestService, type TestService } from '../helpers/service.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../fixtures/submission/smtplib_send.py', import.meta.url));

describe('submission with Python smtplib', () => {
  let service: TestService;
  let sender: { accountId: string; password: string };
  let reader: { accountId: string; password: string };
  let appPassword: string;

  before(async () => {
    service = await startTestService(['billing.enabled=false', 'smtp.submission.authFailureDelayMs=0']);
    sender = await service.createAccount('python@sealpost.test');
    reader = await service.createAccount('reader@sealpost.test');
    appPassword = await service.createAppPassword(sender.accountId, sender.password);
  });
  after(() => service.stop());

  test('submits over STARTTLS and over implicit TLS', async () => {
    for (const [mode, listener] of [
      ['starttls', 'submission'],
      ['implicit', 'submissions'],
    ] as const) {
      const { stdout } = await run('python3', [
        SCRIPT,
        mode,
        String(service.port(listener)),
        'python@sealpost.test',
        appPassword,
        'reader@sealpost.test',
        `via ${mode}`,
      ]);
      assert.match(stdout, /closing connection|Bye/i);
    }
    const keys = await unlockByPassword(service.core, service.crypto, reader.accountId, reader.password);
    const subjects = (await readInbox(service.core, keys, reader.accountId)).map((message) => /^Subject: (.*)$/m.exec(message.toString())?.[1]?.trim());
    assert.deepEqual(subjects.sort(), ['via implicit', 'via starttls']);
  });

  test('a wrong password is refused with 535 5.7.8', async () => {
    await assert.rejects(
      run('python3', [
        SCRIPT,
        'implicit',
        String(service.port('submissions')),
        'python@sealpost.test',
        service.crypto.newAppPassword(),
        'reader@sealpost.test',
        'nope',
      ]),
      (error: { stdout?: string }) => /refused: \(535, b'5\.7\.8 /.test(error.stdout ?? ''),
    );
  });
});
