// How the webmail looks and reads: German chosen from the browser's language and by the
// switch, phone width (one pane at a time, folders in a drawer), dark mode from the system
// setting and by choice. Screenshots of the main screens go to artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../helpers/service.ts';
import { E2E_SERVICE_SETTINGS, openBrowser, screenshot, type Browsing } from './support.ts';

const ADDRESS = 'carla.looks@sealpost.test';
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, reducedMotion: 'reduce' as const };

const MESSAGES = [
  {
    from: 'Jörg Müller <joerg@example.de>',
    subject: 'Grüße aus Köln',
    html: '<h2>Hallo Carla!</h2><p>Wir sehen uns am <b>Freitag</b> im Café.</p><ul><li>Kuchen</li><li>Kaffee</li></ul>',
  },
  {
    from: 'Newsletter <news@shop.example>',
    subject: 'Your weekly digest',
    html: '<table width="100%"><tr><td><h1>This week</h1><p>Three stories worth your time.</p><img src="https://shop.example/banner.png" alt="banner"></td></tr></table>',
  },
  { from: 'Dana <dana@example.org>', subject: 'Photos from the trip', text: 'Hi Carla,\n\nthe photos are attached. The lake was wonderful.\n\nDana' },
  { from: 'Jörg Müller <joerg@example.de>', subject: 'Re: Grüße aus Köln', text: 'Und bring bitte den Schirm mit.', inReplyTo: '<message-0@example.de>' },
];

describe('appearance: language, phone width, dark mode', () => {
  let service: TestService;
  let origin: string;
  let password: string;

  before(async () => {
    service = await startTestService(E2E_SERVICE_SETTINGS);
    origin = `https://127.0.0.1:${service.port('https')}`;
    const account = await service.createAccount(ADDRESS);
    password = account.password;
    for (const [index, message] of MESSAGES.entries()) {
      const raw = [
        `From: ${message.from}`,
        `To: ${ADDRESS}`,
        `Subject: =?UTF-8?B?${Buffer.from(message.subject).toString('base64')}?=`,
        `Date: ${new Date(Date.now() - (MESSAGES.length - index) * 3_600_000).toUTCString()}`,
        `Message-ID: <message-${index}@example.de>`,
        ...('inReplyTo' in message ? [`In-Reply-To: ${message.inReplyTo}`, `References: ${message.inReplyTo}`] : []),
        'MIME-Version: 1.0',
        `Content-Type: ${'html' in message ? 'text/html' : 'text/plain'}; charset=utf-8`,
        '',
        'html' in message ? message.html : message.text,
      ].join('\r\n');
      await service.core.ingest.deliver({
        source: 'mx',
        recipients: [{ accountId: account.accountId, address: ADDRESS }],
        content: (async function* () {
          yield Buffer.from(raw);
        })(),
      });
    }
  });
  after(() => service?.stop());

  async function login(browser: Browsing, submitLabel: string) {
    await browser.page.goto(`${origin}/#/login`);
    await browser.page.fill('#login-address', ADDRESS);
    await browser.page.fill('#login-password', password);
    await browser.page.getByRole('button', { name: submitLabel }).click();
    await browser.page
      .locator('.row[data-loaded]')
      .nth(MESSAGES.length - 1)
      .waitFor();
  }

  test('German from the browser, at phone width: one pane at a time', async () => {
    const browser = await openBrowser({ ...PHONE, locale: 'de-DE' });
    try {
      const { page } = browser;
      await page.goto(`${origin}/#/login`);
      await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
      await screenshot(page, 'phone-login-de');
      await login(browser, 'Anmelden');
      await page
        .getByTestId('folder-title')
        .filter({ hasText: /^Posteingang$/ })
        .waitFor();
      assert.equal(await page.getByTestId('folder-tree').isVisible(), false, 'the folders hide in a drawer');
      await screenshot(page, 'phone-list-de');
      await page.getByRole('button', { name: 'Ordner' }).click();
      await page.getByTestId('folder-tree').getByText('Papierkorb').waitFor();
      await screenshot(page, 'phone-folders-de');
      await page.getByTestId('folder-tree').getByText('Posteingang').click();
      await page.getByTestId('message-list').getByText('Grüße aus Köln', { exact: true }).click();
      await page.frameLocator('[data-testid=message-frame]').getByText('Hallo Carla!').waitFor();
      assert.equal(await page.getByTestId('message-list').isVisible(), false, 'the message replaces the list');
      await screenshot(page, 'phone-reading-de');
      await page.getByRole('button', { name: 'Zurück' }).click();
      await page.getByTestId('message-list').waitFor();
      await page.getByTestId('compose-button').isHidden();
      await page.keyboard.press('c');
      await page.getByTestId('compose').waitFor();
      await screenshot(page, 'phone-compose-de');
    } finally {
      await browser.close();
    }
  });

  test('conversations group a reply with its message', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await login(browser, 'Log in');
      await page.getByTestId('threads').check();
      await page.locator('.row .thread-size', { hasText: '2' }).waitFor();
      const order = await page.locator('.row').evaluateAll((rows) => rows.map((row) => row.querySelector('.subject')?.textContent?.trim()));
      assert.deepEqual(order.slice(0, 2), ['Grüße aus Köln', 'Re: Grüße aus Köln'], 'the conversation, newest first, in date order');
      await screenshot(page, 'desktop-threads');
    } finally {
      await browser.close();
    }
  });

  test('the language switch changes every label at once', async () => {
    const browser = await openBrowser({ locale: 'en-GB' });
    try {
      const { page } = browser;
      await page.goto(`${origin}/#/login`);
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await page.getByTestId('language-select').selectOption('de');
      await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
      await page.getByText('Noch kein Konto?').waitFor();
    } finally {
      await browser.close();
    }
  });

  test('dark mode follows the system, and can be chosen', async () => {
    const browser = await openBrowser({ colorScheme: 'dark' });
    try {
      const { page } = browser;
      await login(browser, 'Log in');
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(await background(), 'rgb(15, 18, 22)');
      await page.getByTestId('message-list').getByText('Your weekly digest').click();
      await page.getByTestId('remote-blocked').waitFor();
      await screenshot(page, 'desktop-dark-reading');
      await page.getByTestId('settings-link').click();
      await page.getByTestId('theme-select').selectOption('light');
      assert.equal(await background(), 'rgb(246, 247, 249)');
      await page.getByTestId('theme-select').selectOption('dark');
      await screenshot(page, 'desktop-dark-settings');
    } finally {
      await browser.close();
    }
  });
});
