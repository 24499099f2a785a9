// Full-text search in the browser, end to end in Chromium: words that appear only deep in a
// message's body (past the preview the list shows) are found in every folder, with German
// diacritics folded; a hit opens in its folder, from the mouse and from the keyboard. The
// index the browser keeps in IndexedDB is read back byte by byte: no body word, subject or
// address in it. After logout and login the persisted index answers at once, and only the
// message that arrived meanwhile is downloaded; new mail arriving live is found, expunged
// mail is not. Deleting the index on this device, or the account, leaves no database behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestService, type TestService } from '../helpers/service.ts';
import { E2E_SERVICE_SETTINGS, openBrowser, screenshot, type Browsing } from './support.ts';

const ADDRESS = 'searcher.deep@sealpost.test';
const word = (stem: string) => `${stem}${randomBytes(4).toString('hex')}`;
const INBOX_WORD = word('kumquat');
const ARCHIVE_WORD = word('marzipan');
const HTML_WORD = word('zeppelin');
const LATE_WORD = word('quince');
const LIVE_WORD = word('origami');
const SUBJECT = `Quarterly planning ${randomBytes(3).toString('hex')}`;
const ARCHIVE_SUBJECT = `Old receipts ${randomBytes(3).toString('hex')}`;
const SENDER = 'juergen.weiss@example.org';
/** Longer than the 256-character preview, so a word after it is only in the body. */
const FILLER = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. '.repeat(6);
/** Enough messages for several indexing batches. */
const FILLERS = 45;

function rawMessage(subject: string, lines: string[], contentType = 'text/plain; charset=utf-8'): Buffer {
  return Buffer.from(
    [
      `From: =?utf-8?q?J=C3=BCrgen_Wei=C3=9F?= <${SENDER}>`,
      `To: ${ADDRESS}`,
      `Subject: ${subject}`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      `Content-Type: ${contentType}`,
      'Content-Transfer-Encoding: 8bit',
      '',
      ...lines,
      '',
    ].join('\r\n'),
  );
}

describe('full-text search in the browser', () => {
  let service: TestService;
  let browser: Browsing;
  let accountId = '';
  let password = '';
  let origin = '';
  let total = 0;

  async function deliver(raw: Buffer): Promise<number> {
    const outcome = await service.core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address: ADDRESS }],
      content: (async function* () {
        yield raw;
      })(),
    });
    total += 1;
    return outcome.stored[0]!.uid;
  }

  async function login(): Promise<void> {
    const { page } = browser;
    await page.goto(`${origin}/#/login`);
    await page.fill('#login-address', ADDRESS);
    await page.fill('#login-password', password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByTestId('folder-title')
      .filter({ hasText: /^Inbox$/ })
      .waitFor();
  }

  async function searchFor(query: string): Promise<void> {
    const field = browser.page.getByTestId('search');
    await field.fill('');
    await field.fill(query);
  }

  const searchDatabases = () =>
    browser.page.evaluate(async () => (await indexedDB.databases()).map((entry) => entry.name!).filter((name) => name.startsWith('sealpost-search-')));

  const hit = (subject: string) => browser.page.getByTestId('search-hit').filter({ hasText: subject });
  /** Bodies asked for since the exchange `from`, one by one or in batches, as "folder/uid". */
  const bodyDownloads = (from: number) =>
    browser.network.slice(from).flatMap((exchange) => {
      const single = /\/folders\/(\w+)\/messages\/(\d+)\/body$/.exec(exchange.url);
      if (single) return [`${single[1]}/${single[2]}`];
      const batch = /\/folders\/(\w+)\/messages\/bodies$/.exec(exchange.url);
      return batch ? (JSON.parse(exchange.requestBody.toString()) as { uids: number[] }).uids.map((uid) => `${batch[1]}/${uid}`) : [];
    });

  before(async () => {
    service = await startTestService(E2E_SERVICE_SETTINGS);
    ({ accountId, password } = await service.createAccount(ADDRESS));
    origin = `https://127.0.0.1:${service.port('https')}`;
    for (let index = 0; index < FILLERS; index++) await deliver(rawMessage(`Filler ${index}`, [FILLER, `Nothing to see in message ${index}.`]));
    await deliver(rawMessage(SUBJECT, [FILLER, `Bitte bring die ${INBOX_WORD} mit. Wir treffen uns an der Überführung in der Hauptstraße.`]));
    await deliver(
      rawMessage(
        'Newsletter',
        [`<html><head><style>p{color:red}</style></head><body><p>${FILLER}</p><p>Der Code lautet <b>${HTML_WORD}</b>.</p></body></html>`],
        'text/html; charset=utf-8',
      ),
    );
    const archivedUid = await deliver(rawMessage(ARCHIVE_SUBJECT, [FILLER, `The receipt number is ${ARCHIVE_WORD}.`]));
    const inbox = await service.core.folders.findBySpecialUse(accountId, '\\Inbox');
    const archive = await service.core.folders.findBySpecialUse(accountId, '\\Archive');
    await service.core.mailbox.copy(accountId, inbox.id, [archivedUid], archive.id, { move: true });
    browser = await openBrowser();
    // tsx compiles the functions handed to page.evaluate with esbuild's keepNames, whose
    // __name helper the page does not have.
    await browser.context.addInitScript('globalThis.__name = (target) => target;');
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('a word deep in a body is found in any folder, with or without its accents', async () => {
    const { page } = browser;
    await login();
    await searchFor(INBOX_WORD);
    await hit(SUBJECT).waitFor({ timeout: 30_000 });
    await page.getByText('No message matches.').waitFor();
    await screenshot(page, 'desktop-search');
    await searchFor('uberfuhrung hauptstrasse');
    await hit(SUBJECT).waitFor();
    await searchFor(HTML_WORD.slice(0, -3));
    await hit('Newsletter').waitFor();
    assert.equal(await page.getByTestId('search-hit').count(), 1, 'the prefix being typed matches one message');
    await searchFor(ARCHIVE_WORD);
    const archived = hit(ARCHIVE_SUBJECT);
    await archived.waitFor();
    assert.match((await archived.textContent())!, /in Archive/);
  });

  test('a hit opens in its folder, by mouse and by keyboard', async () => {
    const { page } = browser;
    await hit(ARCHIVE_SUBJECT).click();
    await page
      .getByTestId('folder-title')
      .filter({ hasText: /^Archive$/ })
      .waitFor();
    await page.getByTestId('message-subject').filter({ hasText: ARCHIVE_SUBJECT }).waitFor();
    await page.getByTestId('message-text').filter({ hasText: ARCHIVE_WORD }).waitFor();
    assert.equal(await page.getByTestId('search').inputValue(), ARCHIVE_WORD, 'the search goes on in the new folder');
    await searchFor(INBOX_WORD);
    await hit(SUBJECT).waitFor();
    await page.getByTestId('search').press('ArrowDown');
    assert.equal(await hit(SUBJECT).evaluate((element) => element === document.activeElement), true, 'the arrow key moves into the hits');
    await page.keyboard.press('Enter');
    await page
      .getByTestId('folder-title')
      .filter({ hasText: /^Inbox$/ })
      .waitFor();
    await page.getByTestId('message-subject').filter({ hasText: SUBJECT }).waitFor();
  });

  test('what the browser stores holds no word, subject or address in the clear', async () => {
    const { page } = browser;
    const results = page.getByTestId('search-results');
    await results.and(page.locator(`[data-phase=ready][data-indexed="${total}"]`)).waitFor({ timeout: 60_000 });
    const stored = await page.evaluate(async () => {
      const request = <T>(operation: IDBRequest<T>) =>
        new Promise<T>((resolve, reject) => {
          operation.onsuccess = () => resolve(operation.result);
          operation.onerror = () => reject(operation.error);
        });
      const records: { database: string; store: string; key: string; bytes: number[] }[] = [];
      for (const { name } of await indexedDB.databases()) {
        const database = await request(indexedDB.open(name!));
        for (const storeName of Array.from(database.objectStoreNames)) {
          const store = database.transaction(storeName, 'readonly').objectStore(storeName);
          const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
          keys.forEach((key, index) => {
            const value: unknown = values[index];
            const bytes =
              value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : new TextEncoder().encode(JSON.stringify(value));
            records.push({ database: name!, store: storeName, key: String(key), bytes: Array.from(bytes) });
          });
        }
        database.close();
      }
      const local = Object.entries(localStorage).flat().join('\n');
      return { records, local };
    });
    assert.ok(stored.records.length >= 2, 'a manifest and at least one shard');
    assert.equal(new Set(stored.records.map((record) => record.database)).size, 1, "one database, this account's");
    for (const record of stored.records) {
      assert.match(record.database, /^sealpost-search-[0-9a-f]{32}$/, 'named without the address');
      const bytes = Buffer.from(record.bytes);
      assert.equal(bytes[0], 0x01, `record ${record.key} is a v1 ciphertext`);
      for (const needle of [
        INBOX_WORD,
        ARCHIVE_WORD,
        HTML_WORD,
        SUBJECT,
        ARCHIVE_SUBJECT,
        'Newsletter',
        SENDER,
        'juergen',
        'Jürgen',
        'hauptstrasse',
        'uberfuhrung',
        'lorem',
        'Lorem',
      ]) {
        assert.ok(!bytes.includes(needle), `"${needle}" in IndexedDB record ${record.key}`);
        assert.ok(!bytes.includes(Buffer.from(needle, 'utf16le')), `"${needle}" (UTF-16) in IndexedDB record ${record.key}`);
      }
    }
    for (const needle of [INBOX_WORD, SUBJECT, SENDER]) assert.ok(!stored.local.includes(needle), `"${needle}" in localStorage`);
  });

  test('after logout and login the stored index answers, and only new mail is downloaded', async () => {
    const { page } = browser;
    await page.getByTestId('settings-link').click();
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    const lateUid = await deliver(rawMessage('Arrived while away', [FILLER, `Remember the ${LATE_WORD}.`]));
    const loggedInAt = browser.network.length;
    await login();
    await searchFor(ARCHIVE_WORD);
    await hit(ARCHIVE_SUBJECT).waitFor();
    await searchFor(LATE_WORD);
    await hit('Arrived while away').waitFor({ timeout: 30_000 });
    await page.locator(`[data-testid=search-results][data-phase=ready][data-indexed="${total}"]`).waitFor();
    await browser.settle();
    const downloads = bodyDownloads(loggedInAt);
    assert.equal(downloads.length, 1, `bodies downloaded after login: ${downloads.join(', ')}`);
    assert.match(downloads[0]!, new RegExp(`/${lateUid}$`), 'only the message that arrived meanwhile');
  });

  test('mail arriving live is found; expunged mail is not', async () => {
    const { page } = browser;
    const uid = await deliver(rawMessage('Live delivery', [FILLER, `Fold the ${LIVE_WORD} twice.`]));
    await searchFor(LIVE_WORD);
    await hit('Live delivery').waitFor({ timeout: 30_000 });
    const inbox = await service.core.folders.findBySpecialUse(accountId, '\\Inbox');
    await service.core.mailbox.expunge(accountId, inbox.id, [uid]);
    await searchFor(`${LIVE_WORD} `);
    await page.getByText('No message text matches.').waitFor();
  });

  test('"delete the search index on this device" deletes it; the next search builds it again', async () => {
    const { page } = browser;
    assert.equal((await searchDatabases()).length, 1);
    await page.getByTestId('settings-link').click();
    await page.getByTestId('forget-search-index').click();
    await page.getByText('The search index on this device is deleted.').waitFor();
    await page.getByTestId('search-index-size').filter({ hasText: 'There is no search index on this device' }).waitFor();
    assert.deepEqual(await searchDatabases(), []);
    await page.goto(`${origin}/#/mail`);
    await searchFor(ARCHIVE_WORD);
    await hit(ARCHIVE_SUBJECT).waitFor({ timeout: 30_000 });
    assert.equal((await searchDatabases()).length, 1);
  });

  test('deleting the account deletes its index on this device', async () => {
    const { page } = browser;
    await page.getByTestId('settings-link').click();
    await page.getByTestId('settings-tab-account').click();
    await page.fill('#delete-address', ADDRESS);
    await page.fill('#delete-password', password);
    await page.getByRole('button', { name: 'Delete everything for good' }).click();
    await page.getByTestId('login-form').waitFor();
    // The deletion completes once the worker, thrown away at logout, has closed the database.
    for (const started = Date.now(); (await searchDatabases()).length > 0; ) {
      assert.ok(Date.now() - started < 10_000, `still there: ${(await searchDatabases()).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
