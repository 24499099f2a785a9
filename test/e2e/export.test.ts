// The mailbox export in Chromium: Settings → Export saves one zip, decrypted in the browser,
// with an mbox file per folder at the folder's path. Python's zipfile and mailbox modules
// read it back: every message is there, decrypted, byte for byte (8-bit text too); one
// whose key does not open is counted and reported, not silently dropped, and does not stop
// the export. The export asks the server nothing new (index, metadata, ciphertext bodies),
// and no request or response carries a message in clear. Cancel really stops the fetching;
// the plain "one mbox per folder" choice still downloads one file per folder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Route } from 'playwright-core';
import { unlockByPassword } from '../helpers/mail.ts';
import { readMailboxExport } from '../helpers/mailbox-export.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { cloneToSize } from './seed.ts';
import { E2E_SERVICE_SETTINGS, findInRequests, findInResponses, openBrowser, screenshot, type Browsing } from './support.ts';

const ADDRESS = 'frank.export@sealpost.test';
const canary = (label: string) => `${label}${randomBytes(8).toString('hex')}`;
const SUBJECTS = { inbox: canary('InboxSubject'), inboxPlain: canary('PlainSubject'), sent: canary('SentSubject'), project: canary('ProjectSubject') };
const BODIES = {
  inbox: canary('INBOXBODY'),
  inboxPlain: canary('PLAINBODY'),
  sent: canary('SENTBODY'),
  project: canary('PROJECTBODY'),
  broken: canary('BROKENBODY'),
};
/** A large folder: enough to time the export and to cancel it half way. */
const BULK_MESSAGES = 300;
/** Real deliveries the bulk folder is cloned from. */
const BULK_ORIGINALS = 5;
/** Three in the Inbox (one of them unreadable), one in Sent, one in Projects/2026, the bulk. */
const TOTAL_MESSAGES = 5 + BULK_MESSAGES;
/** "€" in UTF-8: its middle byte 0x82 is one a "latin1" (really windows-1252) decode breaks. */
const EURO = Buffer.from('€');

function message(subject: string, lines: string[], extraHeaders: string[] = []): Buffer {
  const header = [
    `From: Bob Sender <bob@example.org>`,
    `To: ${ADDRESS}`,
    `Subject: ${subject}`,
    `Date: ${new Date(Date.UTC(2026, 2, 1, 9)).toUTCString()}`,
    `Message-ID: <${randomBytes(6).toString('hex')}@example.org>`,
    ...extraHeaders,
  ];
  return Buffer.from([...header, '', ...lines, ''].join('\r\n'));
}

/** Requests the mail view and the search index make anyway, the only ones an export may
 * make: the folder index, metadata records (content keys) and ciphertext bodies, a batch at a
 * time; plus code chunks. */
const EXPORT_REQUEST_KINDS = [
  /^GET \/api\/folders\/[^/]+\/messages\?afterUid=\d+$/,
  /^POST \/api\/folders\/[^/]+\/messages\/metadata$/,
  /^POST \/api\/folders\/[^/]+\/messages\/bodies$/,
  // Code loaded on demand: the export's zip writer, or the search index's, which the page
  // loads shortly after login to see whether this device keeps an index.
  /^GET \/assets\/[\w-]+\.js$/,
];

describe('mailbox export in Chromium', () => {
  let service: TestService;
  let browser: Browsing;
  let origin: string;
  let downloadsDirectory: string;
  const downloads: Download[] = [];

  before(async () => {
    service = await startTestService(E2E_SERVICE_SETTINGS);
    origin = `https://127.0.0.1:${service.port('https')}`;
    downloadsDirectory = await mkdtemp(join(tmpdir(), 'sealpost-export-e2e-'));
    const { accountId, password } = await service.createAccount(ADDRESS);
    const { core, crypto } = service;
    const keys = await unlockByPassword(core, crypto, accountId, password);
    const projects = await core.folderTree.create(accountId, keys, 'Projects/2026');
    await core.folderTree.create(accountId, keys, 'Berichte: 2026');
    const bulk = await core.folderTree.create(accountId, keys, 'Bulk');
    const deliver = (raw: Buffer, target: { folderId?: string; specialUse?: '\\Sent' }) =>
      core.ingest.deliver({
        source: target.folderId || target.specialUse ? 'append' : 'mx',
        recipients: [{ accountId, address: ADDRESS, ...target }],
        content: (async function* () {
          yield raw;
        })(),
      });
    await deliver(
      message(
        SUBJECTS.inbox,
        ['Hello Frank,', `From now on lunch costs 5 € (${BODIES.inbox}).`, '>From a line quoted already', 'Bob'],
        ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'],
      ),
      {},
    );
    await deliver(message(SUBJECTS.inboxPlain, [`Plain text ${BODIES.inboxPlain}`]), {});
    const brokenDelivery = await deliver(message('Broken key', [`Never readable ${BODIES.broken}`]), {});
    await deliver(message(SUBJECTS.sent, [`Sent by me ${BODIES.sent}`]), { specialUse: '\\Sent' });
    await deliver(message(SUBJECTS.project, [`Project plan ${BODIES.project}`]), { folderId: projects.id });
    for (let index = 0; index < BULK_ORIGINALS; index++) await deliver(message(`Bulk sample ${index}`, [`Bulk body ${index}`]), { folderId: bulk.id });
    await cloneToSize(core, service.store, accountId, bulk.id, BULK_MESSAGES);
    // A content key wrapped under some other master key: well formed, but it opens for no one.
    const { folderId: inboxId, uid: brokenUid } = brokenDelivery.stored[0]!;
    const broken = await core.messages.get(accountId, inboxId, brokenUid);
    const foreignKey = Buffer.from(crypto.wrapContentKey(crypto.newContentKey(), crypto.randomBytes(32))).toString('base64');
    assert.ok(await core.messages.replaceContentKey(accountId, inboxId, brokenUid, broken.contentKey, foreignKey));

    browser = await openBrowser({ acceptDownloads: true });
    const { page } = browser;
    page.on('download', (download) => downloads.push(download));
    await page.goto(`${origin}/#/login`);
    await page.fill('#login-address', ADDRESS);
    await page.fill('#login-password', password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('folder-tree').waitFor();
    await page.getByTestId('settings-link').click();
    await page.getByTestId('settings-tab-export').click();
    await page.getByRole('checkbox', { name: /^Bulk/ }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
    if (downloadsDirectory) await rm(downloadsDirectory, { recursive: true, force: true });
  });

  /** Waits, polling, until `count` downloads have begun. */
  async function downloadsReached(count: number): Promise<Download[]> {
    const deadline = Date.now() + 60_000;
    while (downloads.length < count) {
      if (Date.now() > deadline) throw new Error(`${downloads.length} downloads, expected ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return downloads.splice(0, count);
  }

  async function chooseFolders(pattern: RegExp) {
    for (const box of await browser.page.getByRole('checkbox').all()) await box.uncheck();
    for (const box of await browser.page.getByRole('checkbox', { name: pattern }).all()) await box.check();
  }

  test('one zip of all folders: every message decrypted, the broken one reported, nothing new asked', async (context) => {
    const { page } = browser;
    for (const box of await page.getByRole('checkbox').all()) await box.check();
    assert.ok(await page.getByTestId('export-format-zip').isChecked(), 'zip is the default');
    await browser.settle();
    const firstExportRequest = browser.network.length;
    const dayBefore = localDay(new Date());
    const started = performance.now();
    await page.getByTestId('export-start').click();
    const [download] = await downloadsReached(1);
    const seconds = (performance.now() - started) / 1000;
    context.diagnostic(`zip export of ${TOTAL_MESSAGES} messages in 10 folders: ${seconds.toFixed(1)} s`);
    assert.ok(
      [`sealpost-${ADDRESS}-${dayBefore}.zip`, `sealpost-${ADDRESS}-${localDay(new Date())}.zip`].includes(download!.suggestedFilename()),
      download!.suggestedFilename(),
    );
    const path = join(downloadsDirectory, 'export.zip');
    await download!.saveAs(path);

    const exported = await readMailboxExport(path);
    assert.deepEqual(Object.keys(exported).sort(), [
      'Archive.mbox',
      'Berichte_ 2026.mbox',
      'Bulk.mbox',
      'Drafts.mbox',
      'INBOX.mbox',
      'Junk.mbox',
      'Projects.mbox',
      'Projects/2026.mbox',
      'Sent.mbox',
      'Trash.mbox',
    ]);
    const texts = (name: string) => exported[name]!.messages.map((entry) => entry.bytes.toString('latin1'));
    const inbox = texts('INBOX.mbox');
    assert.equal(inbox.length, 2, 'the two readable Inbox messages; the broken one is left out');
    assert.ok(inbox.some((text) => text.includes(`Subject: ${SUBJECTS.inbox}`) && text.includes(BODIES.inbox)));
    assert.ok(inbox.some((text) => text.includes(`Subject: ${SUBJECTS.inboxPlain}`) && text.includes(BODIES.inboxPlain)));
    const eightBit = exported['INBOX.mbox']!.messages.find((entry) => entry.bytes.includes(BODIES.inbox))!.bytes;
    assert.ok(eightBit.includes(Buffer.concat([Buffer.from('lunch costs 5 '), EURO])), '8-bit UTF-8 arrives byte for byte');
    assert.match(eightBit.toString('latin1'), /^>>From a line quoted already$/m, 'mboxrd quoting');
    assert.match(eightBit.toString('latin1'), /^>From now on/m);
    assert.ok(!inbox.some((text) => text.includes(BODIES.broken)));
    assert.ok(texts('Sent.mbox').length === 1 && texts('Sent.mbox')[0]!.includes(BODIES.sent));
    assert.ok(texts('Projects/2026.mbox').length === 1 && texts('Projects/2026.mbox')[0]!.includes(`Subject: ${SUBJECTS.project}`));
    const bulk = texts('Bulk.mbox');
    assert.equal(bulk.length, BULK_MESSAGES);
    assert.ok(bulk.every((text) => /^Subject: Bulk sample \d$/m.test(text)));
    for (const empty of ['Drafts.mbox', 'Junk.mbox', 'Trash.mbox', 'Archive.mbox', 'Projects.mbox', 'Berichte_ 2026.mbox'])
      assert.deepEqual(exported[empty]!.messages, [], empty);

    const progress = page.locator('[data-testid=export-progress][data-state=finished]');
    await progress.waitFor();
    await progress.getByText('1 message could not be decrypted and is not in the export.').waitFor();
    await page.getByTestId('export-folder').filter({ hasText: 'Inbox: 3 of 3' }).getByText('1 could not be decrypted').waitFor();
    await screenshot(page, 'desktop-export');

    await browser.settle();
    const exportRequests = browser.network.slice(firstExportRequest).filter((exchange) => exchange.url.startsWith(origin));
    const unexpected = exportRequests
      .map((exchange) => `${exchange.method} ${exchange.url.slice(origin.length)}`)
      .filter((request) => !EXPORT_REQUEST_KINDS.some((kind) => kind.test(request)));
    assert.deepEqual(unexpected, [], 'the export makes no new kind of request');
    const bodies = exportRequests
      .filter((exchange) => exchange.url.endsWith('/bodies'))
      .flatMap((exchange) => (JSON.parse(exchange.requestBody.toString()) as { uids: number[] }).uids.map((uid) => `${exchange.url} ${uid}`));
    assert.equal(bodies.length, TOTAL_MESSAGES, 'each message fetched, the broken one too');
    assert.equal(new Set(bodies).size, bodies.length, 'each message fetched once');
    const overTheWire = browser.network.filter((exchange) => exchange.url.startsWith(origin));
    for (const text of [...Object.values(SUBJECTS), ...Object.values(BODIES)]) {
      assert.deepEqual(findInRequests(overTheWire, text), [], `no request carries "${text}"`);
      assert.deepEqual(findInResponses(overTheWire, text), [], `no response carries "${text}" in clear`);
    }
  });

  test('cancel stops fetching at once and saves nothing', async () => {
    const { page } = browser;
    await chooseFolders(/^Bulk/);
    // Batches of bodies after the first wait until Cancel was pressed: the export is surely
    // midway when it is cancelled, however fast this machine is.
    let bodyRequests = 0;
    let release!: () => void;
    const cancelled = new Promise<void>((resolve) => (release = resolve));
    const hold = async (route: Route) => {
      if (++bodyRequests > 1) await cancelled;
      await route.continue();
    };
    await page.route('**/messages/bodies', hold);
    try {
      await page.getByTestId('export-start').click();
      await page
        .getByTestId('export-folder')
        .filter({ hasText: `Bulk: 100 of ${BULK_MESSAGES}` })
        .waitFor();
      await page.getByTestId('export-cancel').click();
      release();
      await page.locator('[data-testid=export-progress][data-state=cancelled]').getByText('Export cancelled.').waitFor();
      const requestsWhenCancelled = bodyRequests;
      // Nothing was left running: a while later no further body was asked for.
      await page.waitForTimeout(1000);
      assert.equal(bodyRequests, requestsWhenCancelled, 'no body fetched after the export said it was cancelled');
      assert.ok(bodyRequests <= 2, `${bodyRequests} batches of bodies fetched of ${BULK_MESSAGES / 100}`);
      assert.equal(downloads.length, 0, 'nothing was downloaded');
      await page.locator('[data-testid=export-start]:enabled').waitFor();
    } finally {
      await page.unroute('**/messages/bodies', hold);
    }
  });

  test('one mbox per folder is still offered: a download per folder, with flat names', async () => {
    const { page } = browser;
    await page.getByTestId('export-format-mbox').check();
    await chooseFolders(/^(Inbox|Projects\/2026) /);
    await page.getByTestId('export-start').click();
    const files = await downloadsReached(2);
    assert.deepEqual(files.map((file) => file.suggestedFilename()).sort(), ['INBOX.mbox', 'Projects-2026.mbox']);
    for (const file of files) {
      const path = join(downloadsDirectory, file.suggestedFilename());
      await file.saveAs(path);
      const [read] = Object.values(await readMailboxExport(path));
      const texts = read!.messages.map((entry) => entry.bytes.toString('latin1'));
      if (file.suggestedFilename() === 'INBOX.mbox')
        assert.ok(texts.length === 2 && texts.some((text) => text.includes(BODIES.inbox)) && texts.some((text) => text.includes(BODIES.inboxPlain)));
      else assert.ok(texts.length === 1 && texts[0]!.includes(BODIES.project));
    }
    await page.locator('[data-testid=export-progress][data-state=finished]').waitFor();
  });
});

function localDay(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}
