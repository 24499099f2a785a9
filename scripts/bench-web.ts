// `npm run bench:web`: the webmail in headless Chromium against a real `sealpost start`
// process, with a mailbox of 10,000 messages delivered through the ingest path and the
// production Argon2id cost (3 passes over 64 MiB). Prints:
//   - JavaScript shipped at first load (what the login page and its crypto worker fetch),
//     gzip and brotli as served;
//   - login: from submitting the form to the first message list painted (summaries of the
//     visible rows decrypted and drawn), split into key derivation and the rest;
//   - opening a 1 MB message: from the click to its text and attachments drawn;
//   - full-text search: the first search on the device (every body downloaded, decrypted and
//     indexed in the crypto worker, stored encrypted in IndexedDB), then typing a query to its
//     hits painted, and after a new login the stored index's first answer;
//   - export: every folder as one zip, from the click to the download.
//   npm run bench:web -- [--messages 10000] [--runs 5]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import type { Page } from 'playwright-core';
import { createAccountKeys } from '../crypto/account-keys.ts';
import { DEFAULT_PASSWORD_KDF_PARAMS } from '../crypto/keys.ts';
import { loadNodeCrypto } from '../crypto/node.ts';
import { loadConfig } from '../server/config/load.ts';
import { MailCore } from '../server/core/mail-core.ts';
import { initDataDir } from '../server/data-dir.ts';
import { openLevelStore } from '../server/store/open.ts';
import { launchChromium } from './lib/chromium.ts';
import { EPHEMERAL_PORT_SETTINGS } from './lib/ephemeral-ports.ts';
import { startServerProcess } from './lib/server-process.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const MESSAGES = Number(values.messages);
const RUNS = Number(values.runs);
const ADDRESS = 'bench.reader@sealpost.test';
const PASSWORD = 'bench-Password-for-the-web-1';
/** Deliveries in flight while filling the mailbox: the writer groups them into few fsyncs. */
const DELIVERY_CONCURRENCY = 32;
const ONE_MEGABYTE_SUBJECT = 'The one-megabyte message';
/** A query answered later than this is a failure, not a measurement. */
const SEARCH_TIMEOUT_MS = 60_000;

function sampleMessage(index: number): Buffer {
  const lines = [
    `From: Correspondent ${index % 97} <person${index % 97}@example.org>`,
    `To: ${ADDRESS}`,
    `Subject: Message ${index}: notes on item ${(index * 7919) % 10007}`,
    `Date: ${new Date(Date.UTC(2025, 0, 1) + index * 600_000).toUTCString()}`,
    `Message-ID: <bench-${index}@example.org>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...Array.from({ length: 5 + (index % 40) }, (_, line) => `Line ${line} of message ${index}: the quick brown fox jumps over the lazy dog.`),
  ];
  return Buffer.from(lines.join('\r\n'));
}

function oneMegabyteMessage(): Buffer {
  const text = Array.from({ length: 2500 }, (_, line) => `Paragraph ${line}: a long report with plenty of words that a reader scrolls through.`).join('\r\n');
  const attachment = Buffer.alloc(700_000, 'attachment-bytes-').toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: Reporter <reporter@example.org>',
      `To: ${ADDRESS}`,
      `Subject: ${ONE_MEGABYTE_SUBJECT}`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      '--b',
      'Content-Type: application/octet-stream; name="data.bin"',
      'Content-Disposition: attachment; filename="data.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

async function fillMailbox(dataDir: string): Promise<{ seconds: number; bigSize: number }> {
  const config = await loadConfig({});
  await initDataDir(dataDir, config);
  const crypto = await loadNodeCrypto();
  const store = await openLevelStore(join(dataDir, 'store'));
  try {
    const core = new MailCore({ store, crypto, limits: config.limits });
    await core.domains.add('sealpost.test');
    const { material } = await createAccountKeys(crypto, PASSWORD, DEFAULT_PASSWORD_KDF_PARAMS);
    const account = await core.accounts.create(ADDRESS, material);
    const deliver = (content: Buffer) =>
      core.ingest.deliver({
        source: 'mx',
        recipients: [{ accountId: account.id, address: ADDRESS }],
        content: (async function* () {
          yield content;
        })(),
      });
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: DELIVERY_CONCURRENCY }, async () => {
        for (let index = next++; index < MESSAGES - 1; index = next++) await deliver(sampleMessage(index));
      }),
    );
    const big = oneMegabyteMessage();
    await deliver(big);
    return { seconds: (performance.now() - started) / 1000, bigSize: big.length };
  } finally {
    await store.close();
  }
}

/** Resolves, inside the page, with performance.now() of the first frame in which `count`
 * rows show their decrypted summary. */
function whenRowsPainted(page: Page, count: number): Promise<number> {
  return page.evaluate(
    (wanted) =>
      new Promise<number>((resolve) => {
        const check = () => {
          if (document.querySelectorAll('.row[data-loaded]').length >= wanted) {
            requestAnimationFrame(() => resolve(performance.now()));
            return true;
          }
          return false;
        };
        if (check()) return;
        const observer = new MutationObserver(() => check() && observer.disconnect());
        observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      }),
    count,
  );
}

/** Types `query` into the search field inside the page; resolves with the milliseconds until
 * the search results show `expected` (this includes the 80 ms the field waits for more keys). */
function timeSearch(page: Page, query: string, expected: string): Promise<number> {
  return page.evaluate(
    ({ query, expected, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        setTimeout(() => reject(new Error(`no "${expected}" for the query "${query}"`)), timeoutMs);
        const field = document.querySelector('[data-testid=search]') as HTMLInputElement;
        const started = performance.now();
        const check = () => {
          if (document.querySelector('[data-testid=search-results]')?.textContent?.includes(expected)) {
            requestAnimationFrame(() => resolve(performance.now() - started));
            return true;
          }
          return false;
        };
        const observer = new MutationObserver(() => check() && observer.disconnect());
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        field.value = query;
        field.dispatchEvent(new Event('input', { bubbles: true }));
      }),
    { query, expected, timeoutMs: SEARCH_TIMEOUT_MS },
  );
}

async function logIn(page: Page, origin: string): Promise<number> {
  await page.goto(`${origin}/#/login`);
  await page.fill('#login-address', ADDRESS);
  await page.fill('#login-password', PASSWORD);
  const painted = whenRowsPainted(page, 10);
  const submittedAt = await page.evaluate(() => {
    const now = performance.now();
    (document.querySelector('[data-testid=login-form] button[type=submit]') as HTMLButtonElement).click();
    return now;
  });
  return (await painted) - submittedAt;
}

/** The first search builds the index; queries of every kind follow; then a new login. */
async function measureSearch(page: Page, origin: string): Promise<string[]> {
  await logIn(page, origin);
  const started = performance.now();
  await page.getByTestId('search').fill('fox');
  await page.locator(`[data-testid=search-results][data-phase=ready][data-indexed="${MESSAGES}"]`).waitFor({ timeout: 60 * 60_000 });
  const indexSeconds = (performance.now() - started) / 1000;
  const stored = await page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const name = 'sealpost-search-';
      void indexedDB.databases().then((all) => {
        const opening = indexedDB.open(all.find((entry) => entry.name?.startsWith(name))!.name!);
        opening.onsuccess = () => resolve(opening.result);
        opening.onerror = () => reject(opening.error);
      });
    });
    const records = database.transaction('records').objectStore('records').getAll();
    const values = await new Promise<Uint8Array[]>((resolve) => (records.onsuccess = () => resolve(records.result as Uint8Array[])));
    database.close();
    return values.reduce((total, value) => total + value.byteLength, 0);
  });
  const sample = Math.floor(MESSAGES * 0.43);
  const queries: [string, string, string][] = [
    ['two words and a number', `message ${sample} `, `Message ${sample}:`],
    ['a prefix being typed', 'notes on ite', `${(MESSAGES - 1).toLocaleString('en-GB')} found`],
    ['a prefix matching every message', 'qu', `${(MESSAGES - 1).toLocaleString('en-GB')} found`],
    ['nothing', 'xylophone ', 'No message text matches.'],
  ];
  const latencies: string[] = [];
  for (const [what, query, expected] of queries) {
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      await page.getByTestId('search').fill('');
      await page.getByTestId('search-results').waitFor({ state: 'detached' });
      times.push(await timeSearch(page, query, expected));
    }
    latencies.push(`  "${query}" (${what}): median ${ms(median(times))}`);
  }
  await page.getByTestId('settings-link').click();
  await page.getByTestId('logout').click();
  await page.getByTestId('login-form').waitFor();
  const relogin = await logIn(page, origin);
  const firstAnswer = await timeSearch(page, `message ${sample} `, `Message ${sample}:`);
  return [
    `Full-text search over ${MESSAGES.toLocaleString('en')} messages:`,
    `  first search on the device, whole index built: ${indexSeconds.toFixed(1)} s (${Math.round(MESSAGES / indexSeconds)} messages/s); stored encrypted: ${(stored / 1048576).toFixed(1)} MB`,
    '  type → hits painted (80 ms keystroke wait included), median of 5:',
    ...latencies,
    `  new login with the stored index: list painted ${ms(relogin)}; first query answered from it ${ms(firstAnswer)} after`,
  ];
}

/** Settings → Export of every folder as one zip: from the click to the download starting
 * (every body fetched and decrypted, the zip written). Needs a logged-in page. */
async function measureExport(page: Page): Promise<string> {
  await page.getByTestId('settings-link').click();
  await page.getByTestId('settings-tab-export').click();
  for (const box of await page.getByRole('checkbox').all()) await box.check();
  const started = performance.now();
  const download = page.waitForEvent('download', { timeout: 60 * 60_000 });
  await page.getByTestId('export-start').click();
  const zip = await (await download).createReadStream();
  let bytes = 0;
  for await (const chunk of zip) bytes += (chunk as Buffer).length;
  const seconds = (performance.now() - started) / 1000;
  return `Export of every folder as one zip: ${seconds.toFixed(1)} s for ${MESSAGES.toLocaleString('en')} messages (${Math.round(MESSAGES / seconds)} messages/s), ${(bytes / 1048576).toFixed(1)} MB zip`;
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!;
const ms = (value: number) => `${Math.round(value)} ms`;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sealpost-bench-web-'));
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    console.log(`filling a mailbox with ${MESSAGES.toLocaleString('en')} messages through the ingest path…`);
    const filled = await fillMailbox(dataDir);
    console.log(`  done in ${filled.seconds.toFixed(1)} s (${Math.round(MESSAGES / filled.seconds)} messages/s)`);
    server = await startServerProcess(dataDir, ['listenAddress=127.0.0.1', ...EPHEMERAL_PORT_SETTINGS, 'log.level=warn']);
    const origin = `https://127.0.0.1:${server.ports.https}`;
    browser = await launchChromium();
    // tsx compiles the functions handed to page.evaluate with esbuild's keepNames, whose
    // __name helper the page does not have.
    await browser.context.addInitScript('globalThis.__name = (target) => target;');

    const scripts = new Map<string, Buffer>();
    browser.context.on('response', (response) => {
      if (/\.js(\?|$)/.test(response.url()))
        void response
          .body()
          .then((body) => scripts.set(response.url(), body))
          .catch(() => undefined);
    });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${origin}/#/login`, { waitUntil: 'networkidle' });
    await page.waitForTimeout(500);
    const firstLoad = [...scripts.entries()];
    const gzip = firstLoad.reduce((total, [, body]) => total + gzipSync(body, { level: 9 }).length, 0);
    const brotli = firstLoad.reduce((total, [, body]) => total + brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length, 0);
    const raw = firstLoad.reduce((total, [, body]) => total + body.length, 0);

    const logins: { total: number; derivation: number; afterDerivation: number }[] = [];
    const opens: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await page.goto(`${origin}/#/login`);
      await page.fill('#login-address', ADDRESS);
      await page.fill('#login-password', PASSWORD);
      await page.evaluate(() => performance.clearResourceTimings());
      const visibleRows = 10;
      const painted = whenRowsPainted(page, visibleRows);
      const submittedAt = await page.evaluate(() => {
        const now = performance.now();
        (document.querySelector('[data-testid=login-form] button[type=submit]') as HTMLButtonElement).click();
        return now;
      });
      const paintedAt = await painted;
      const timing = await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((entry) => ({ name: entry.name, start: entry.startTime, end: (entry as PerformanceResourceTiming).responseEnd })),
      );
      const prelogin = timing.find((entry) => entry.name.endsWith('/api/auth/prelogin'))!;
      const login = timing.find((entry) => entry.name.endsWith('/api/auth/login'))!;
      logins.push({ total: paintedAt - submittedAt, derivation: login.start - prelogin.end, afterDerivation: paintedAt - login.start });

      const row = page.locator('.row[data-loaded]', { hasText: ONE_MEGABYTE_SUBJECT });
      await row.waitFor();
      for (let open = 0; open < 2; open++) {
        const shown = page.evaluate(
          (subject) =>
            new Promise<number>((resolve) => {
              const check = () => {
                const title = document.querySelector('[data-testid=message-subject]');
                const text = document.querySelector('[data-testid=message-text]');
                if (title?.textContent === subject && text && text.textContent!.length > 100_000 && document.querySelector('.attachments li')) {
                  requestAnimationFrame(() => resolve(performance.now()));
                  return true;
                }
                return false;
              };
              if (check()) return;
              const observer = new MutationObserver(() => check() && observer.disconnect());
              observer.observe(document.body, { subtree: true, childList: true, characterData: true });
            }),
          ONE_MEGABYTE_SUBJECT,
        );
        const clickedAt = await row.evaluate((element) => {
          const now = performance.now();
          (element as HTMLElement).click();
          return now;
        });
        opens.push((await shown) - clickedAt);
        await page.keyboard.press('Escape');
        await page.getByTestId('message-view').waitFor({ state: 'detached' });
      }
      await page.getByTestId('settings-link').click();
      await page.getByTestId('logout').click();
      await page.getByTestId('login-form').waitFor();
    }

    const searchReport = await measureSearch(page, origin);
    const exportReport = await measureExport(page);

    const report = [
      '',
      `JavaScript at first load (login page and crypto worker, ${firstLoad.length} files): ${(gzip / 1024).toFixed(1)} KB gzip, ${(brotli / 1024).toFixed(1)} KB brotli, ${(raw / 1024).toFixed(1)} KB raw`,
      ...firstLoad.map(([url, body]) => `  ${new URL(url).pathname}: ${(gzipSync(body, { level: 9 }).length / 1024).toFixed(1)} KB gzip`),
      `Login → list painted (${MESSAGES.toLocaleString('en')} messages, Argon2id ${DEFAULT_PASSWORD_KDF_PARAMS.opsLimit} × ${DEFAULT_PASSWORD_KDF_PARAMS.memLimitBytes >> 20} MiB), median of ${RUNS}:`,
      `  total ${ms(median(logins.map((entry) => entry.total)))}, key derivation ${ms(median(logins.map((entry) => entry.derivation)))}, after derivation ${ms(median(logins.map((entry) => entry.afterDerivation)))}`,
      `  runs (after derivation): ${logins.map((entry) => ms(entry.afterDerivation)).join(', ')}`,
      `Open the 1 MB message (${(filled.bigSize / 1048576).toFixed(2)} MB, text + attachment), median of ${opens.length}: ${ms(median(opens))} (runs: ${opens.map(ms).join(', ')})`,
      ...searchReport,
      exportReport,
    ];
    console.log(report.join('\n'));
  } finally {
    await browser?.close();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
