// A folder of 50,000 messages in the webmail: the list holds only the rows in view, decrypts
// only their summaries (plus a margin), scrolls to the end and back, and stays responsive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../helpers/service.ts';
import { cloneToSize, deliverSamples } from './seed.ts';
import { E2E_SERVICE_SETTINGS, openBrowser, screenshot, type Browsing } from './support.ts';

const ADDRESS = 'hoarder.fifty@sealpost.test';
const TOTAL = 50_000;

describe('a folder of 50,000 messages', () => {
  let service: TestService;
  let browser: Browsing;

  before(async () => {
    service = await startTestService(E2E_SERVICE_SETTINGS);
    const { accountId, password } = await service.createAccount(ADDRESS);
    await deliverSamples(service.core, accountId, ADDRESS, 20);
    const inbox = await service.core.folders.findBySpecialUse(accountId, '\\Inbox');
    await cloneToSize(service.core, service.store, accountId, inbox.id, TOTAL);
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(`https://127.0.0.1:${service.port('https')}/#/login`);
    await page.fill('#login-address', ADDRESS);
    await page.fill('#login-password', password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByText(`${TOTAL.toLocaleString('en')} messages`)
      .or(page.getByText(`${TOTAL} messages`))
      .waitFor({ timeout: 30_000 });
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  const metadataUidsRequested = async () => {
    await browser.settle();
    return browser.network
      .filter((exchange) => exchange.url.endsWith('/messages/metadata'))
      .reduce((total, exchange) => total + (JSON.parse(exchange.requestBody.toString()) as { uids: number[] }).uids.length, 0);
  };

  test('only the rows in view exist, and only their summaries are decrypted', async () => {
    const { page } = browser;
    await page.locator('.row[data-loaded]').first().waitFor();
    const rows = await page.locator('.row').count();
    assert.ok(rows > 5 && rows < 60, `${rows} row elements for ${TOTAL} messages`);
    const requested = await metadataUidsRequested();
    assert.ok(requested > 0 && requested < 120, `${requested} summaries fetched, not ${TOTAL}`);
    await screenshot(page, 'desktop-50000');
  });

  test('scrolling to the end shows the oldest messages, still with few rows', async () => {
    const { page } = browser;
    const list = page.getByTestId('message-list');
    const frameTimes = await list.evaluate(async (element) => {
      // Scroll through the folder in big steps, one per frame, timing each frame.
      const times: number[] = [];
      let last = performance.now();
      for (let step = 0; step < 60; step++) {
        element.scrollTop += element.scrollHeight / 60;
        await new Promise((done) => requestAnimationFrame(done));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      element.scrollTop = element.scrollHeight;
      return times;
    });
    frameTimes.sort((a, b) => a - b);
    const median = frameTimes[Math.floor(frameTimes.length / 2)]!;
    assert.ok(median < 100, `median frame while flinging through 50,000 rows: ${median.toFixed(1)} ms`);
    const lastRow = page.locator('.row[data-loaded]').last();
    await lastRow.waitFor();
    // The clones (from UID 21 on) arrived before the 20 real deliveries, oldest first.
    assert.equal(await lastRow.getAttribute('data-uid'), '21', 'the oldest message is at the bottom');
    assert.ok((await page.locator('.row').count()) < 60);
    const requested = await metadataUidsRequested();
    assert.ok(requested < 2000, `${requested} summaries fetched after scrolling the whole folder`);
    await screenshot(page, 'desktop-50000-end');
  });

  test('the keyboard walks the list and the view follows', async () => {
    const { page } = browser;
    await page.getByTestId('message-list').evaluate((element) => (element.scrollTop = 0));
    for (let press = 0; press < 30; press++) await page.keyboard.press('j');
    const cursor = page.locator('.row.cursor');
    await cursor.waitFor();
    assert.ok(await cursor.isVisible());
    await page.keyboard.press('Enter');
    await page.getByTestId('message-subject').waitFor();
    assert.match((await page.getByTestId('message-subject').textContent())!, /^Sample message number \d+$/);
  });
});
