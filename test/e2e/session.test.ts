// The keys' lifetime in the browser: after the idle time the vault locks itself (the worker
// and its keys are thrown away, the server session is revoked), and a reload forgets them too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../helpers/service.ts';
import { E2E_SERVICE_SETTINGS, openBrowser, type Browsing } from './support.ts';

const ADDRESS = 'erin.leaves@sealpost.test';
/** 3 seconds, written where the settings screen keeps its choice (minutes). */
const IDLE_MINUTES = 0.05;

describe('locking the keys away', () => {
  let service: TestService;
  let browser: Browsing;
  let origin: string;
  let password: string;

  before(async () => {
    service = await startTestService(E2E_SERVICE_SETTINGS);
    origin = `https://127.0.0.1:${service.port('https')}`;
    ({ password } = await service.createAccount(ADDRESS));
    browser = await openBrowser();
    await browser.context.addInitScript(`localStorage.setItem('sealpost.idleMinutes', '${IDLE_MINUTES}')`);
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  async function login() {
    const { page } = browser;
    await page.goto(`${origin}/#/login`);
    await page.fill('#login-address', ADDRESS);
    await page.fill('#login-password', password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('folder-tree').waitFor();
  }

  const sessionStatus = async () => (await browser.context.request.get(`${origin}/api/session`)).status();

  test('idle for the chosen time: locked, and the session revoked', async () => {
    await login();
    assert.equal(await sessionStatus(), 200);
    await browser.page.getByTestId('locked-notice').waitFor({ timeout: 10_000 });
    assert.equal(await sessionStatus(), 401, 'the server session ended with the lock');
    assert.equal(await browser.page.getByTestId('folder-tree').count(), 0);
  });

  test('a reload forgets the keys and ends the session', async () => {
    await browser.context.addInitScript(`localStorage.setItem('sealpost.idleMinutes', '15')`);
    await login();
    await browser.page.reload();
    await browser.page.getByTestId('login-form').waitFor();
    assert.equal(await sessionStatus(), 401);
  });
});
