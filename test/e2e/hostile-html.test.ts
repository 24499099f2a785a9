// A hostile HTML message, opened in the webmail in Chromium: scripts, event handlers,
// javascript: links, forms, CSS with remote url() and @import, remote images, a meta
// refresh, SVG with script, iframes and objects. No script may run and no request may leave
// the page: a web server standing for the rest of the internet must see nothing, and the
// network log must hold nothing for any other origin. Loading remote images on request then
// reaches that server, and only for images.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../helpers/service.ts';
import { E2E_SERVICE_SETTINGS, openBrowser, screenshot, startTattletale, type Browsing } from './support.ts';

const ADDRESS = 'target.user@sealpost.test';

function hostileHtml(evil: string): string {
  return `<!doctype html><html><head>
<meta http-equiv="refresh" content="0;url=${evil}/refresh">
<link rel="stylesheet" href="${evil}/link.css">
<style>@import url("${evil}/import.css"); body { background: url(${evil}/style-background.png); } .x { background-image: url('${evil}/class.png') }</style>
<base href="${evil}/base/">
<script>parent.document.body.dataset.pwned = 'head-script'; fetch('${evil}/script-fetch');</script>
</head><body onload="parent.document.body.dataset.pwned='onload'">
<h1>Quarterly report</h1>
<p class="x">Visible text of the hostile message.</p>
<img src="${evil}/pixel.gif" alt="tracker" width="1" height="1">
<img src="x" onerror="parent.document.body.dataset.pwned='onerror'; new Image().src='${evil}/onerror'">
<img srcset="${evil}/srcset.png 2x">
<div style="background:url(${evil}/inline-style.png)">styled</div>
<a href="javascript:parent.document.body.dataset.pwned='link'" id="jslink">click me</a>
<a href="${evil}/ok-link">a normal link</a>
<form action="${evil}/form" method="post"><input name="q" value="secret"><button>Send</button></form>
<svg xmlns="http://www.w3.org/2000/svg" onload="parent.document.body.dataset.pwned='svg-onload'"><script>parent.document.body.dataset.pwned='svg-script'</script><image href="${evil}/svg-image.png"/></svg>
<iframe src="${evil}/iframe"></iframe>
<object data="${evil}/object"></object>
<embed src="${evil}/embed">
<video poster="${evil}/poster.png"></video>
<audio src="${evil}/audio.mp3" autoplay></audio>
<table background="${evil}/table-background.png"><tr><td>cell</td></tr></table>
<math><mi xlink:href="javascript:alert(1)">math</mi></math>
<noscript><img src="${evil}/noscript.png"></noscript>
</body></html>`;
}

describe('a hostile HTML message in the webmail', () => {
  let service: TestService;
  let origin: string;
  let browser: Browsing;
  let tattletale: Awaited<ReturnType<typeof startTattletale>>;
  const dialogs: string[] = [];

  before(async () => {
    service = await startTestService(E2E_SERVICE_SETTINGS);
    origin = `https://127.0.0.1:${service.port('https')}`;
    tattletale = await startTattletale();
    const { accountId, password } = await service.createAccount(ADDRESS);
    const raw = [
      'From: Mallory <mallory@evil.example>',
      `To: ${ADDRESS}`,
      'Subject: Quarterly report',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      hostileHtml(tattletale.origin),
    ].join('\r\n');
    await service.core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address: ADDRESS }],
      content: (async function* () {
        yield Buffer.from(raw);
      })(),
    });
    browser = await openBrowser();
    browser.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await browser.page.goto(`${origin}/#/login`);
    await browser.page.fill('#login-address', ADDRESS);
    await browser.page.fill('#login-password', password);
    await browser.page.getByRole('button', { name: 'Log in' }).click();
    await browser.page.getByTestId('message-list').getByText('Quarterly report', { exact: true }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await tattletale?.close();
    await service?.stop();
  });

  test('renders its text with no script run and no request leaving the page', async () => {
    const { page } = browser;
    await page.getByTestId('message-list').getByText('Quarterly report', { exact: true }).click();
    const frame = page.frameLocator('[data-testid=message-frame]');
    await frame.getByText('Visible text of the hostile message.').waitFor();
    await page.getByTestId('remote-blocked').waitFor();
    await frame
      .locator('#jslink')
      .click()
      .catch(() => undefined);
    await page.waitForTimeout(1500);
    await screenshot(page, 'desktop-hostile-message');
    await browser.settle();

    assert.equal(await page.evaluate(() => document.body.dataset.pwned ?? null), null, 'no script of the message ran');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(tattletale.hits, [], 'the outside world saw no request');
    const foreign = browser.network.filter((exchange) => !exchange.url.startsWith(origin) && !/^(blob|data|about):/.test(exchange.url));
    assert.deepEqual(
      foreign.map((exchange) => exchange.url),
      [],
      'the network log holds no request to another origin',
    );
    const frameHtml = await frame.locator('body').innerHTML();
    for (const forbidden of [
      '<script',
      'onerror',
      'onload',
      'javascript:',
      '<form',
      '<iframe',
      '<object',
      '<embed',
      '<svg',
      '<meta',
      '<base',
      `${tattletale.origin}/pixel`,
    ]) {
      assert.ok(!frameHtml.includes(forbidden), `the shown HTML holds no ${forbidden}`);
    }
    const sandbox = await page.getByTestId('message-frame').getAttribute('sandbox');
    assert.ok(sandbox && !sandbox.includes('allow-scripts'), 'the frame may run no script');
    const blocked = await page.getByTestId('remote-blocked').textContent();
    assert.match(blocked!, /Remote content blocked \((\d+)\)/);
    assert.ok(Number(/\((\d+)\)/.exec(blocked!)![1]) >= 5, 'the remote references are counted');
  });

  test('the plain-text view shows the words, never markup', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Plain text' }).click();
    const text = await page.getByTestId('message-text').textContent();
    assert.match(text!, /Visible text of the hostile message\./);
    await page.getByRole('button', { name: 'Formatted' }).click();
  });

  test('loading remote images on request fetches images, and still runs nothing', async () => {
    const { page } = browser;
    await page.getByTestId('load-remote').click();
    const frame = page.frameLocator('[data-testid=message-frame]');
    await frame.getByText('Visible text of the hostile message.').waitFor();
    await page.waitForTimeout(1500);
    assert.ok(tattletale.hits.includes('GET /pixel.gif'), 'the allowed image loaded');
    const unexpected = tattletale.hits.filter(
      (hit) => !/^GET \/(pixel\.gif|inline-style\.png|style-background\.png|class\.png|table-background\.png)$/.test(hit),
    );
    assert.deepEqual(unexpected, [], 'only images, nothing else (no script, form, frame, stylesheet import)');
    assert.equal(await page.evaluate(() => document.body.dataset.pwned ?? null), null);
    assert.deepEqual(dialogs, []);
  });
});
