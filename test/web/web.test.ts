// The web listener: HTTPS with the service certificate, the web client and its API,
// and the security headers (strict CSP: no inline script, no remote origin).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestService, type TestService } from '../helpers/service.ts';

const run = promisify(execFile);
let service: TestService;

before(async () => {
  service = await startTestService(['web.enabled=true', 'web.port=0']);
});
after(() => service.stop());

test('serves the web client over HTTPS with a strict Content-Security-Policy', async () => {
  const port = service.port('https');
  const { stdout } = await run('curl', ['-sk', '-D', '-', `https://127.0.0.1:${port}/`]);
  assert.match(stdout, /^HTTP\/[\d.]+ 200/);
  assert.match(stdout, /content-security-policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval';/i);
  assert.match(stdout, /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
  assert.doesNotMatch(stdout.split('\r\n\r\n')[1]!, /<script>(?!<\/script>)/, 'no inline script');
  const health = await run('curl', ['-sk', `https://127.0.0.1:${port}/api/health`]);
  assert.deepEqual(JSON.parse(health.stdout), { status: 'ok' });
});

test('answers with the certificate generated at init', async () => {
  const { stderr } = await run('curl', ['-sk', '-v', `https://127.0.0.1:${service.port('https')}/api/health`]);
  assert.match(stderr, /subject: CN=localhost/);
});
