// Prepaid credit in the webmail (issue 6): an account without credit still logs in on the
// web, sees why mail does not arrive, asks for a payment code, and sees the credit once the
// operator booked the payment; a voucher adds more; the receipt opens as its own page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../helpers/service.ts';
import { E2E_SERVICE_SETTINGS, openBrowser, screenshot, type Browsing } from './support.ts';

const ADDRESS = 'dora.pays@sealpost.test';

describe('credit in the webmail', () => {
  let service: TestService;
  let browser: Browsing;

  before(async () => {
    service = await startTestService([...E2E_SERVICE_SETTINGS, 'billing.enabled=true', 'billing.trialDays=0']);
    const { password } = await service.createAccount(ADDRESS);
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(`https://127.0.0.1:${service.port('https')}/#/login`);
    await page.fill('#login-address', ADDRESS);
    await page.fill('#login-password', password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('folder-tree').waitFor();
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('without credit: a banner, a payment code, and the credit once booked', async () => {
    const { page } = browser;
    await page.getByRole('alert').getByText('Your credit has run out').click();
    await page.getByTestId('credit-status').waitFor();
    await page.getByTestId('request-payment-code').click();
    const code = (await page.getByTestId('payment-code').textContent())!.trim();
    await service.core.billing!.paymentCodes.book(code, 1200);
    const [voucher] = await service.core.billing!.vouchers.create(300, 1);
    await page.fill('#voucher-code', voucher!);
    await page.getByRole('button', { name: 'Redeem' }).click();
    await page.getByText('Voucher redeemed').waitFor();
    // 15.00 booked, less the first day charged at 1.00 per month.
    // The status is reloaded after the toast appears: wait for the new balance.
    await page
      .getByTestId('credit-status')
      .filter({ hasText: /€14\.9\d/ })
      .waitFor();
    assert.match((await page.getByTestId('credit-status').textContent())!, /Active: paid in advance/);
    await screenshot(page, 'desktop-credit');
    const receiptLink = page.getByRole('link', { name: /^R-/ }).first();
    const [receiptPage] = await Promise.all([browser.context.waitForEvent('page'), receiptLink.click()]);
    await receiptPage.waitForLoadState();
    const text = await receiptPage.locator('body').textContent();
    assert.match(text!, /R-\d{4}-/);
    assert.ok(!text!.includes(ADDRESS), 'the receipt names nobody');
    await receiptPage.close();
  });
});
