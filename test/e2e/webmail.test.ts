// The webmail end to end, in Debian's Chromium: signup → login → a message sent by
// nodemailer to the MX appears live (DKIM-signed, checked by the MX and a real rspamd) → read,
// with its SPF/DKIM/DMARC results and spam verdict → reply → the reply reaches another local user
// and lies in Sent → an app password made in the browser lets imapflow see the same
// messages → mail from another account here shows that account as its verified sender. Then
// the privacy proof over the whole network log: no password, no key in any request; stored
// mail only as ciphertext in any response. Screenshots go to artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import type { Route } from 'playwright-core';
import type { MailboxKeys } from '../../crypto/api.ts';
import { StaticDnsResolver } from '../helpers/dns-stub.ts';
import { readInbox, unlockByPassword } from '../helpers/mail.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { removeRspamd, startRspamd, type RunningRspamd } from '../helpers/rspamd.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { E2E_SERVICE_SETTINGS, encodingsOf, findInRequests, findInResponses, openBrowser, screenshot, type Browsing } from './support.ts';

const PASSWORD = 'Violet-Tram-Quietly-42';
const ADDRESS = 'alice.webmail@sealpost.test';
const FRIEND = 'bob.friend@sealpost.test';
const SUBJECT_CANARY = `Lunch ${randomBytes(6).toString('hex')}`;
const BODY_CANARY = `BODYCANARY${randomBytes(8).toString('hex')}`;
const REPLY_CANARY = `REPLYCANARY${randomBytes(8).toString('hex')}`;
const DRAFT_CANARY = `DRAFTCANARY${randomBytes(8).toString('hex')}`;
const REMOTE_CANARY = `REMOTECANARY${randomBytes(8).toString('hex')}`;

/** The sender's domain publishes SPF, a DKIM key and DMARC, so the MX's checks can pass. */
const DKIM_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SENDER_ZONE = new StaticDnsResolver({
  txt: {
    'sealpost.test': [['v=spf1 ip4:127.0.0.1 -all']],
    'e2e._domainkey.sealpost.test': [[`v=DKIM1; k=rsa; p=${DKIM_KEY.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`]],
    '_dmarc.sealpost.test': [['v=DMARC1; p=quarantine']],
  },
});

describe('webmail end to end in Chromium', () => {
  let service: TestService;
  let origin: string;
  let browser: Browsing;
  let friend: { accountId: string; password: string };
  let appPassword = '';
  let recoveryCode = '';
  let remote: RemoteMx;
  let rspamd: RunningRspamd;

  before(async () => {
    remote = await startRemoteMx({ starttls: false });
    rspamd = await startRspamd();
    service = await startTestService(
      [...E2E_SERVICE_SETTINGS, `outbound.staticRoutes=remote.example=127.0.0.1:${remote.port}`, `filter.rspamd.url=${rspamd.url}`],
      undefined,
      { inboundDns: SENDER_ZONE },
    );
    origin = `https://127.0.0.1:${service.port('https')}`;
    friend = await service.createAccount(FRIEND);
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
    await remote?.close();
    if (rspamd) await removeRspamd(rspamd);
  });

  test('signup builds the keys in the browser and shows the recovery code first', async () => {
    const { page } = browser;
    // A slow server: the address is typed before the signup options (domains) arrive, and
    // the availability check must still complete once they do.
    const slowOptions = async (route: Route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.continue();
    };
    await page.route('**/api/signup/options', slowOptions);
    const optionsArrived = page.waitForResponse('**/api/signup/options');
    await page.goto(`${origin}/#/signup`);
    await page.fill('#signup-local', ADDRESS.split('@')[0]!);
    await optionsArrived;
    await page.unroute('**/api/signup/options', slowOptions);
    await page.getByTestId('address-status').getByText('This address is available.').waitFor();
    await page.fill('#signup-password', PASSWORD);
    await page.fill('#signup-confirm', PASSWORD);
    await page.getByTestId('signup-understood').check();
    await screenshot(page, 'desktop-signup');
    await page.getByRole('button', { name: 'Continue' }).click();
    recoveryCode = (await page.getByTestId('recovery-code').textContent())!.trim();
    assert.match(recoveryCode, /^([a-z2-9]{4}-){7}[a-z2-9]{4}$/);
    assert.equal(await service.core.accounts.findIdByAddress(ADDRESS), undefined, 'nothing exists before the code is confirmed');
    await page.fill('#signup-recovery-confirm', recoveryCode.split('-').slice(-2).join('-'));
    await page.getByText('I have stored the recovery code safely.').click();
    await page.getByTestId('signup-create').click();
    await page.getByTestId('folder-tree').waitFor();
    assert.ok(await service.core.accounts.findIdByAddress(ADDRESS));
    const recovered = await service.core.accounts.unlockWithAppSecret(ADDRESS, recoveryCode, 'recovery');
    assert.ok(recovered.keys.masterKey.length === 32, 'the recovery code shown opens the mailbox');
  });

  test('logout, then login with the password', async () => {
    const { page } = browser;
    await page.getByTestId('settings-link').click();
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    await page.fill('#login-address', ADDRESS);
    await page.fill('#login-password', PASSWORD);
    await screenshot(page, 'desktop-login');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('folder-tree').waitFor();
    // The title is filled when the folder list arrives, after the tree itself appears.
    await page
      .getByTestId('folder-title')
      .filter({ hasText: /^Inbox$/ })
      .waitFor();
  });

  test('a message sent to the MX appears live, and reads', async () => {
    const { page } = browser;
    const dkim = { domainName: 'sealpost.test', keySelector: 'e2e', privateKey: DKIM_KEY.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    await nodemailer.createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), tls: { rejectUnauthorized: false }, dkim }).sendMail({
      from: `Bob Friend <${FRIEND}>`,
      to: ADDRESS,
      subject: SUBJECT_CANARY,
      text: `Hello Alice,\n\nshall we meet at noon? ${BODY_CANARY}\n\nBob`,
      html: `<p>Hello Alice,</p><p>shall we meet at <b>noon</b>? ${BODY_CANARY}</p><p>Bob</p>`,
      attachments: [{ filename: 'menu.txt', content: `Soup of the day ${BODY_CANARY}` }],
    });
    const row = page.getByTestId('message-list').getByText(SUBJECT_CANARY);
    await row.waitFor({ timeout: 10_000 });
    await screenshot(page, 'desktop-inbox');
    await row.click();
    await page.getByTestId('message-subject').getByText(SUBJECT_CANARY).waitFor();
    const frame = page.frameLocator('[data-testid=message-frame]');
    await frame.getByText('shall we meet at').waitFor();
    assert.match((await frame.locator('body').textContent())!, new RegExp(BODY_CANARY));
    const verdicts = page.getByTestId('verdicts');
    for (const verdict of ['SPF: pass', 'DKIM: pass', 'DMARC: pass', /Not spam \(-?\d+\.\d\d\)/]) await verdicts.getByText(verdict).waitFor();
    await screenshot(page, 'desktop-reading');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    assert.equal(download.suggestedFilename(), 'menu.txt');
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), `Soup of the day ${BODY_CANARY}`, 'the attachment, decrypted in the browser');
  });

  test('search filters the list in the browser', async () => {
    const { page } = browser;
    await page.getByTestId('search').fill('noon');
    await page.getByTestId('message-list').getByText(SUBJECT_CANARY).waitFor();
    await page.getByTestId('search').fill('no such words anywhere');
    await page.getByText('No message matches.').waitFor();
    await page.getByTestId('search').fill('');
    await page.getByTestId('message-list').getByText(SUBJECT_CANARY).waitFor();
  });

  test('folders are created, renamed and deleted with names the server cannot read', async () => {
    const { page } = browser;
    const tree = page.getByTestId('folder-tree');
    await tree.getByRole('button', { name: 'New folder' }).click();
    await tree.getByRole('textbox').fill('Projekte/Grün');
    await tree.getByRole('button', { name: 'Create' }).click();
    await tree.getByText('Grün').waitFor();
    const accountId = (await service.core.accounts.findIdByAddress(ADDRESS))!;
    const stored = JSON.stringify(await service.core.folders.list(accountId));
    assert.ok(!stored.includes('Projekte') && !stored.includes('Grün'), 'the server holds only sealed names');
    const keys = await unlockByPassword(service.core, service.crypto, accountId, PASSWORD);
    const names = (await service.core.folderTree.list(accountId, keys)).map((entry) => entry.name);
    assert.ok(names.includes('Projekte') && names.includes('Projekte/Grün'), 'the parent was made too, as IMAP sees it');
    await tree.getByRole('button', { name: 'Actions for Grün' }).click();
    await tree.getByRole('button', { name: 'Rename' }).click();
    await tree.getByRole('textbox').fill('Projekte/Blau');
    await tree.getByRole('button', { name: 'Save' }).click();
    await tree.getByText('Blau').waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await tree.getByRole('button', { name: 'Actions for Blau' }).click();
    await tree.getByRole('button', { name: 'Delete' }).click();
    await tree.getByText('Blau').waitFor({ state: 'detached' });
    await tree.getByText('Inbox').click();
  });

  test('the reply reaches the other local user and lies in Sent', async () => {
    const { page } = browser;
    await page.getByTestId('reply').click();
    const text = page.getByTestId('compose-text');
    await text.waitFor();
    await text.press('Control+Home');
    await text.pressSequentially(`Noon works. ${REPLY_CANARY}\n`);
    await screenshot(page, 'desktop-compose');
    await page.getByTestId('send').click();
    await page.getByText('Sent.').waitFor();
    const keys = await unlockByPassword(service.core, service.crypto, friend.accountId, friend.password);
    const received = (await readInbox(service.core, keys, friend.accountId)).map((message) => message.toString());
    const reply = received.find((message) => message.includes(REPLY_CANARY));
    assert.ok(reply, "the reply is in the friend's inbox");
    assert.match(reply, new RegExp(`Subject: Re: ${SUBJECT_CANARY}`));
    assert.match(reply, /In-Reply-To: <[^>]+>/);
    await page.getByTestId('folder-tree').getByText('Sent').click();
    await page.getByTestId('message-list').getByText(`Re: ${SUBJECT_CANARY}`).waitFor();
    await page.getByTestId('folder-tree').getByText('Inbox').click();
    const answered = page.locator('.row[data-loaded] .answered');
    await answered.first().waitFor();
  });

  test('an app password made in the browser lets imapflow read the mailbox', async () => {
    const { page } = browser;
    await page.getByTestId('settings-link').click();
    await page.getByTestId('settings-tab-app-passwords').click();
    await page.fill('#app-password-label', 'imapflow in the test');
    await page.getByTestId('create-app-password').click();
    appPassword = (await page.getByTestId('app-password').textContent())!.trim();
    assert.match(appPassword, /^([a-z2-9]{4}-){6}[a-z2-9]{4}$/);
    await page.getByTestId('service-table').waitFor();
    await screenshot(page, 'desktop-app-password');
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: service.port('imaps'),
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: ADDRESS, pass: appPassword },
      logger: false,
    });
    await client.connect();
    try {
      const inbox = await client.mailboxOpen('INBOX');
      assert.equal(inbox.exists, 1);
      const message = await client.fetchOne('1', { envelope: true, source: true, flags: true });
      assert.ok(message);
      assert.equal(message.envelope?.subject, SUBJECT_CANARY);
      assert.ok(message.source?.toString().includes(BODY_CANARY));
      assert.ok(message.flags?.has('\\Seen') && message.flags.has('\\Answered'), 'read and answered in the browser');
      const sent = await client.mailboxOpen('Sent');
      assert.equal(sent.exists, 1);
      const copy = await client.fetchOne('1', { envelope: true, source: true, bodyStructure: true });
      assert.ok(copy);
      assert.equal(copy.envelope?.subject, `Re: ${SUBJECT_CANARY}`);
      assert.ok(copy.source?.toString().includes(REPLY_CANARY), 'the copy the browser encrypted reads over IMAP');
      assert.equal(copy.bodyStructure?.type, 'text/plain');
    } finally {
      await client.logout();
    }
    await page.getByTestId('settings-tab-app-passwords').click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'imapflow in the test' }).waitFor();
  });

  test('export decrypts in the browser into an mbox file', async () => {
    const { page } = browser;
    await page.getByTestId('settings-tab-export').click();
    for (const box of await page.getByRole('checkbox').all()) await box.uncheck();
    await page.getByRole('checkbox', { name: /^Inbox/ }).check();
    await page.getByTestId('export-format-mbox').check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    assert.equal(download.suggestedFilename(), 'INBOX.mbox');
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    const mbox = Buffer.concat(chunks).toString('latin1');
    assert.match(mbox, /^From MAILER-DAEMON /);
    assert.ok(mbox.includes(BODY_CANARY) && mbox.includes(SUBJECT_CANARY));
  });

  test('keyboard shortcuts move, select, flag and open', async () => {
    const { page } = browser;
    await page.goto(`${origin}/#/mail`);
    await page.getByTestId('message-list').getByText(SUBJECT_CANARY).waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    await page.keyboard.press('s');
    await page.locator('.row .flagged').waitFor();
    await page.keyboard.press('x');
    await page.getByTestId('selection-bar').waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
    await page.getByTestId('message-subject').waitFor();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await screenshot(page, 'desktop-shortcuts');
    await page.keyboard.press('Escape');
    const accountId = (await service.core.accounts.findIdByAddress(ADDRESS))!;
    const inbox = await service.core.folders.findBySpecialUse(accountId, '\\Inbox');
    const [record] = await service.core.messages.list(accountId, inbox.id);
    assert.ok(record!.flags.includes('\\Flagged'), 'the flag reached the server');
  });

  test('a draft is saved encrypted while it is written, and discarded', async () => {
    const { page } = browser;
    await page.keyboard.press('c');
    await page.fill('#compose-to', 'someone@example.org');
    await page.fill('#compose-subject', 'Plans');
    await page.getByTestId('compose-text').fill(`Not ready yet ${DRAFT_CANARY}`);
    await page.getByText('Draft saved (encrypted)').waitFor({ timeout: 15_000 });
    const accountId = (await service.core.accounts.findIdByAddress(ADDRESS))!;
    const drafts = await service.core.folders.findBySpecialUse(accountId, '\\Drafts');
    const [draft] = await service.core.messages.list(accountId, drafts.id);
    assert.ok(draft, 'the draft is stored');
    assert.deepEqual(draft.flags.sort(), ['\\Draft', '\\Seen']);
    const keys = await unlockByPassword(service.core, service.crypto, accountId, PASSWORD);
    const chunks: Uint8Array[] = [];
    for await (const chunk of service.core.messages.readBody(keys, accountId, drafts.id, draft)) chunks.push(chunk);
    assert.ok(Buffer.concat(chunks).toString().includes(DRAFT_CANARY));
    await page.getByRole('button', { name: 'Discard the draft' }).click();
    await page.getByTestId('compose').waitFor({ state: 'detached' });
    assert.deepEqual(await service.core.messages.list(accountId, drafts.id), [], 'discarding removes it');
  });

  test('a message to another server leaves through the outbound queue', async () => {
    const { page } = browser;
    await page.keyboard.press('c');
    await page.fill('#compose-to', 'Carol <carol@remote.example>');
    await page.fill('#compose-subject', 'Across the wire');
    await page.getByTestId('compose-text').fill(`Hello Carol, ${REMOTE_CANARY}`);
    await page
      .getByTestId('compose')
      .locator('input[type=file]')
      .setInputFiles({ name: 'Bericht März.txt', mimeType: 'text/plain', buffer: Buffer.from(`attached ${REMOTE_CANARY}`) });
    await page.getByText('Bericht März.txt').waitFor();
    await page.getByTestId('send').click();
    await page.getByText('Sent.').waitFor();
    await service.outbound!.settled();
    const delivered = remote.received.find((message) => message.raw.includes(REMOTE_CANARY));
    assert.ok(delivered, 'the remote server received it');
    assert.equal(delivered.from, ADDRESS);
    assert.deepEqual(delivered.to, ['carol@remote.example']);
    assert.match(delivered.raw.toString(), /^DKIM-Signature: /m);
    const parsed = await simpleParser(delivered.raw);
    assert.equal(parsed.attachments[0]?.filename, 'Bericht März.txt');
    assert.equal(parsed.attachments[0]?.content.toString(), `attached ${REMOTE_CANARY}`);
    assert.doesNotMatch(delivered.raw.toString(), /127\.0\.0\.1/, 'no client address in what leaves');
  });

  test('a message from another account here says that account sent it', async () => {
    const { page } = browser;
    const subject = `Agenda ${randomBytes(6).toString('hex')}`;
    const friendAppPassword = await service.createAppPassword(friend.accountId, friend.password);
    await nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: service.port('submission'),
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: FRIEND, pass: friendAppPassword },
      })
      .sendMail({ from: `Bob Friend <${FRIEND}>`, to: ADDRESS, subject, text: 'The agenda for noon.' });
    await page.getByTestId('folder-tree').getByText('Inbox').click();
    await page.getByTestId('message-list').getByText(subject).click();
    await page.getByTestId('message-subject').getByText(subject).waitFor();
    const verdict = page.getByTestId('local-sender').filter({ hasText: `Sent by ${FRIEND}, an account on this server` });
    await verdict.waitFor();
    assert.match((await verdict.getAttribute('class'))!, /\bok\b/, 'shown as verified');
    await screenshot(page, 'desktop-reading-local-sender');
  });

  test('the network log holds no password and no key, and stored mail only as ciphertext', async () => {
    await browser.settle();
    const accountId = (await service.core.accounts.findIdByAddress(ADDRESS))!;
    const keys: MailboxKeys = await unlockByPassword(service.core, service.crypto, accountId, PASSWORD);
    const account = await service.core.accounts.get(accountId);
    const derived = await service.crypto.deriveFromPassword(PASSWORD, Buffer.from(account.kdf.salt, 'base64'), account.kdf);
    const contentKeys: Uint8Array[] = [];
    for (const folder of await service.core.folders.list(accountId)) {
      for (const record of await service.core.messages.list(accountId, folder.id)) {
        const stored = Buffer.from(record.contentKey, 'base64');
        assert.ok(!service.crypto.isSealedContentKey(stored), 'the browser rewrapped every key it opened (lazy rewrap)');
        contentKeys.push(service.crypto.openContentKey(stored, keys));
      }
    }
    assert.ok(contentKeys.length >= 2, 'the received message and the Sent copy');
    const secrets: [string, (string | Uint8Array)[]][] = [
      ['password', encodingsOf(PASSWORD)],
      ['masterKey', encodingsOf(keys.masterKey)],
      ['privateKey', encodingsOf(keys.privateKey)],
      ['password kek', encodingsOf(derived.kek)],
      ['recovery code', encodingsOf(recoveryCode)],
      ['app password', encodingsOf(appPassword)],
      ...contentKeys.map((key, index): [string, (string | Uint8Array)[]] => [`content key ${index}`, encodingsOf(key)]),
    ];
    const api = browser.network.filter((exchange) => exchange.url.startsWith(origin));
    assert.ok(api.length > 20, 'the log recorded the session');
    assert.ok(findInRequests(api, Buffer.from(derived.authKey).toString('base64')).length > 0, 'the authKey is what login sends');
    for (const [name, encodings] of secrets) {
      for (const encoding of encodings) assert.deepEqual(findInRequests(browser.network, encoding), [], `${name} never leaves the browser`);
    }
    assert.deepEqual(findInRequests(browser.network, DRAFT_CANARY), [], 'drafts leave the browser only encrypted');
    assert.deepEqual(findInRequests(browser.network, REMOTE_CANARY), [`body of POST ${origin}/api/send`]);
    for (const canary of [SUBJECT_CANARY, BODY_CANARY, REPLY_CANARY, DRAFT_CANARY, REMOTE_CANARY]) {
      assert.deepEqual(findInResponses(browser.network, canary), [], `no response carries "${canary}" in clear`);
    }
    assert.deepEqual(
      findInRequests(browser.network, REPLY_CANARY),
      [`body of POST ${origin}/api/send`],
      'the reply travels in clear only inside the send request; the Sent copy and drafts are ciphertext',
    );
    const mailResponses = api.filter((exchange) => /\/messages\/(metadata|\d+\/body)/.test(exchange.url));
    assert.ok(mailResponses.length >= 3, 'mail was fetched');
    assert.deepEqual(
      browser.network
        .filter((exchange) => !exchange.url.startsWith(origin) && !exchange.url.startsWith('blob:') && !exchange.url.startsWith('data:'))
        .map((exchange) => exchange.url),
      [],
      'no request to any other origin',
    );
    assert.deepEqual(
      browser.console.filter((line) => line.startsWith('error')),
      [],
    );
  });
});
