// Python's imaplib, a second independent client, runs every command of the issue on both
// ports (STARTTLS with LOGIN, implicit TLS with AUTHENTICATE PLAIN): see imaplib-client.py.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestService } from '../helpers/service.ts';
import { createUser, startImapService, type ImapTestUser } from './support.ts';

const SCRIPT = fileURLToPath(new URL('./imaplib-client.py', import.meta.url));

function runPython(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', [SCRIPT, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('imaplib against the IMAP server', () => {
  let service: TestService;
  let user: ImapTestUser;

  before(async () => {
    service = await startImapService();
    user = await createUser(service, 'python@sealpost.test');
  });
  after(() => service.stop());

  for (const [mode, listener] of [
    ['starttls', 'imap'],
    ['implicit', 'imaps'],
  ] as const) {
    test(`${mode}: every command through imaplib`, async () => {
      const result = await runPython([mode, String(service.port(listener)), user.address, user.appPassword, mode]);
      assert.equal(result.stderr, '');
      assert.equal(result.stdout.trim(), 'ok');
      assert.equal(result.code, 0);
    });
  }
});
