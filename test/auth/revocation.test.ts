// Revoked means revoked (docs/design.md promise 10; issue 12, item 6): revoking an app password
// ends, at once and without waiting for the client's next command, every IMAP, POP3 and
// submission session it unlocked (IMAP says BYE), while sessions of the account's other app
// passwords go on; its slot is erased from the store's files; a password change revokes every
// app password unless told not to; and re-entering the password is rate-limited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createSecretSlot, rewrapForNewPassword } from '../../crypto/account-keys.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { imapClient } from '../helpers/imap-client.ts';
import { RawSmtp } from '../helpers/raw-smtp.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { loggedIn } from '../pop3/clients.ts';
import { b64, DOMAIN, startWebTestbed, type BrowserLikeClient, type WebTestbed } from '../web/support.ts';

const ADDRESS = 'revoked@sealpost.test';

async function smtpLoggedIn(service: TestService, appPassword: string): Promise<RawSmtp> {
  const client = await RawSmtp.openTls(service.port('submissions'));
  await client.reply();
  await client.command('EHLO laptop');
  assert.match(await client.command(`AUTH PLAIN ${Buffer.from(`\0${ADDRESS}\0${appPassword}`).toString('base64')}`), /^235 /);
  return client;
}

describe('revoking an app password', () => {
  let service: TestService;
  let accountId: string;
  let password: string;

  before(async () => {
    service = await startTestService();
    ({ accountId, password } = await service.createAccount(ADDRESS));
  });
  after(() => service.stop());

  test('ends its IMAP, POP3 and submission sessions at once; another app password’s session goes on', async () => {
    const revoked = await service.createAppPassword(accountId, password, 'old laptop');
    const kept = await service.createAppPassword(accountId, password, 'phone');
    const imap = imapClient(service, ADDRESS, revoked);
    await imap.connect();
    await imap.mailboxOpen('INBOX');
    imap.on('error', () => undefined);
    const imapClosed = once(imap, 'close');
    const other = imapClient(service, ADDRESS, kept);
    await other.connect();
    const pop3 = await loggedIn(service, ADDRESS, revoked);
    const smtp = await smtpLoggedIn(service, revoked);
    const slot = (await service.core.accounts.listKeySlots(accountId)).find((candidate) => candidate.label === 'old laptop')!;

    await service.core.accounts.revokeKeySlot(accountId, slot.id);

    await imapClosed;
    assert.match(await pop3.untilClosed(), /^$/);
    assert.match(await smtp.reply(), /^421 .*revoked/);
    assert.ok((await other.status('INBOX', { messages: true })).messages !== undefined, 'the other app password still works');
    await other.logout();
    await assert.rejects(imapClient(service, ADDRESS, revoked).connect(), 'the revoked app password no longer logs in');
  });

  test('the revoked slot is gone from the store’s files', async () => {
    const appPassword = await service.createAppPassword(accountId, password, 'to erase');
    const slot = (await service.core.accounts.listKeySlots(accountId)).find((candidate) => candidate.label === 'to erase')!;
    await service.core.accounts.revokeKeySlot(accountId, slot.id);
    assert.deepEqual(await searchBytes(service.dataDir, Buffer.from(slot.wrappedMasterKey, 'base64')), [], 'the wrapped masterKey');
    assert.deepEqual(await searchBytes(service.dataDir, slot.wrappedMasterKey), [], 'the wrapped masterKey');
    assert.ok(appPassword, 'it existed');
  });
});

describe('password change and re-authentication on the web', () => {
  let bed: WebTestbed;
  const address = `changer@${DOMAIN}`;

  before(async () => {
    bed = await startWebTestbed();
    await bed.createAccount(address);
  });
  after(() => bed.close());

  async function changePassword(client: BrowserLikeClient, current: string, next: string, revokeAppPasswords?: boolean) {
    const account = await bed.core.accounts.getByAddress(address);
    const { salt: _salt, ...kdf } = account.kdf;
    const rewrapped = await rewrapForNewPassword(bed.crypto, client.keys!.masterKey, next, kdf);
    const { authKey } = await client.derive(address, current);
    return client.request('POST', '/api/account/password', {
      authKey: b64(authKey),
      salt: b64(rewrapped.salt),
      passwordVerifier: b64(rewrapped.passwordVerifier),
      passwordSlot: b64(rewrapped.passwordSlot),
      ...(revokeAppPasswords === undefined ? {} : { revokeAppPasswords }),
    });
  }

  test('a password change revokes every app password unless told not to', async () => {
    const client = bed.client();
    await client.login(address);
    const account = await bed.core.accounts.getByAddress(address);
    for (const label of ['a', 'b']) {
      const slot = createSecretSlot(bed.crypto, client.keys!.masterKey, bed.crypto.newAppPassword(), 'app-password');
      const created = await client.request('POST', '/api/app-passwords', { label, verifier: b64(slot.verifier), wrappedMasterKey: b64(slot.wrappedMasterKey) });
      assert.equal(created.status, 201);
    }
    const appPasswords = async () => (await bed.core.accounts.listKeySlots(account.id)).filter((slot) => slot.kind === 'app-password').length;
    assert.equal(await appPasswords(), 2);
    assert.equal((await changePassword(client, 'correct horse battery staple', 'a second long password', false)).status, 204);
    assert.equal(await appPasswords(), 2, 'kept when asked');
    assert.equal((await changePassword(client, 'a second long password', 'a third long password')).status, 204);
    assert.equal(await appPasswords(), 0, 'revoked by default');
  });

  test('re-entering the password is rate-limited per account', async () => {
    const other = `reauth@${DOMAIN}`;
    await bed.createAccount(other);
    const client = bed.client();
    await client.login(other);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      statuses.push((await client.request('POST', '/api/account/delete', { authKey: b64(new Uint8Array(32)), confirmAddress: other })).status);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[10], 429);
  });
});
