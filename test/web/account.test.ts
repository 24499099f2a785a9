// Account settings through the web API: app passwords made in the browser, password change
// by rewrap, a new recovery code, aliases, the encrypted settings record, and deletion.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretSlot, rewrapForNewPassword } from '../../crypto/account-keys.ts';
import { b64, DOMAIN, startWebTestbed, type BrowserLikeClient, type WebTestbed } from './support.ts';

describe('web account API', () => {
  let bed: WebTestbed;
  let client: BrowserLikeClient;
  let accountId: string;
  const address = `settings@${DOMAIN}`;
  let password = 'correct horse battery staple';

  before(async () => {
    bed = await startWebTestbed();
    ({ accountId } = await bed.createAccount(address, password));
    client = bed.client();
    await client.login(address, password);
  });
  after(() => bed.close());

  test('an app password made in the browser unlocks the mailbox; it can be listed and revoked', async () => {
    const appPassword = bed.crypto.newAppPassword();
    const slot = createSecretSlot(bed.crypto, client.keys!.masterKey, appPassword, 'app-password');
    const created = await client.request('POST', '/api/app-passwords', {
      label: 'Thunderbird',
      verifier: b64(slot.verifier),
      wrappedMasterKey: b64(slot.wrappedMasterKey),
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.label, 'Thunderbird');
    const unlocked = await bed.core.accounts.unlockWithAppSecret(address, appPassword);
    assert.equal(unlocked.accountId, accountId);
    const list = await client.request('GET', '/api/app-passwords');
    assert.deepEqual(
      list.body.appPasswords.map((entry: { label: string }) => entry.label),
      ['Thunderbird'],
      'the recovery slot is not listed',
    );
    assert.deepEqual(Object.keys(list.body.appPasswords[0]).sort(), ['createdAt', 'id', 'label', 'lastUsedAt', 'scope']);
    assert.equal(list.body.appPasswords[0].scope, null, 'no scope chosen: every protocol');
    assert.equal((await client.request('DELETE', `/api/app-passwords/${created.body.id}`)).status, 204);
    await assert.rejects(bed.core.accounts.unlockWithAppSecret(address, appPassword), { code: 'AUTHENTICATION_FAILED' });
    assert.equal((await client.request('DELETE', '/api/app-passwords/recovery')).status, 400, 'the recovery slot is not an app password');
    assert.equal((await client.request('DELETE', '/api/app-passwords/abcdef')).status, 404);
    assert.ok((await bed.core.accounts.listKeySlots(accountId)).some((slot) => slot.kind === 'recovery'));
  });

  test('an app password may be limited to some protocols; the core refuses it to the others like a wrong one', async () => {
    const appPassword = bed.crypto.newAppPassword();
    const slot = createSecretSlot(bed.crypto, client.keys!.masterKey, appPassword, 'app-password');
    const body = { label: 'Phone, sending only', scope: ['smtp'], verifier: b64(slot.verifier), wrappedMasterKey: b64(slot.wrappedMasterKey) };
    for (const scope of [[], ['imap', 'imap'], ['ftp']]) {
      assert.equal((await client.request('POST', '/api/app-passwords', { ...body, scope })).status, 400, JSON.stringify(scope));
    }
    const created = await client.request('POST', '/api/app-passwords', body);
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.scope, ['smtp']);
    const listed = (await client.request('GET', '/api/app-passwords')).body.appPasswords.find((entry: { id: string }) => entry.id === created.body.id);
    assert.deepEqual(listed.scope, ['smtp']);
    assert.equal((await bed.core.accounts.unlockWithAppSecret(address, appPassword, 'app-password', 'smtp')).accountId, accountId);
    for (const protocol of ['imap', 'pop3'] as const) {
      await assert.rejects(bed.core.accounts.unlockWithAppSecret(address, appPassword, 'app-password', protocol), {
        code: 'AUTHENTICATION_FAILED',
        message: 'invalid address or app password',
      });
    }
    assert.equal((await client.request('DELETE', `/api/app-passwords/${created.body.id}`)).status, 204);
  });

  test('a password change rewraps the masterKey and needs the current password', async () => {
    const next = 'a much better passphrase';
    const account = await bed.core.accounts.get(accountId);
    const { salt: _salt, ...kdf } = account.kdf;
    const rewrapped = await rewrapForNewPassword(bed.crypto, client.keys!.masterKey, next, kdf);
    const body = (authKey: Uint8Array) => ({
      authKey: b64(authKey),
      salt: b64(rewrapped.salt),
      passwordVerifier: b64(rewrapped.passwordVerifier),
      passwordSlot: b64(rewrapped.passwordSlot),
    });
    const wrong = await client.request('POST', '/api/account/password', body(bed.crypto.randomBytes(32)));
    assert.equal(wrong.status, 401);
    const other = bed.client();
    await other.login(address, password);
    const current = await client.derive(address, password);
    assert.equal((await client.request('POST', '/api/account/password', body(current.authKey))).status, 204);
    assert.equal((await other.request('GET', '/api/session')).status, 401, 'other sessions end');
    assert.equal((await client.request('GET', '/api/session')).status, 200, 'this one goes on');
    assert.equal((await bed.client().login(address, password)).status, 401);
    const fresh = bed.client();
    assert.equal((await fresh.login(address, next)).status, 200);
    assert.deepEqual(Buffer.from(fresh.keys!.masterKey), Buffer.from(client.keys!.masterKey), 'the same masterKey: nothing re-encrypted');
    password = next;
  });

  test('a new recovery code replaces the old one', async () => {
    const oldSlot = (await bed.core.accounts.listKeySlots(accountId)).find((slot) => slot.kind === 'recovery')!;
    const code = bed.crypto.newRecoveryCode();
    const slot = createSecretSlot(bed.crypto, client.keys!.masterKey, code, 'recovery');
    const current = await client.derive(address, password);
    const response = await client.request('POST', '/api/account/recovery-code', {
      authKey: b64(current.authKey),
      verifier: b64(slot.verifier),
      wrappedMasterKey: b64(slot.wrappedMasterKey),
    });
    assert.equal(response.status, 204);
    assert.equal((await bed.core.accounts.unlockWithAppSecret(address, code, 'recovery')).accountId, accountId);
    const slots = await bed.core.accounts.listKeySlots(accountId);
    assert.equal(slots.filter((candidate) => candidate.kind === 'recovery').length, 1);
    assert.notEqual(slots.find((candidate) => candidate.kind === 'recovery')!.verifier, oldSlot.verifier);
    assert.equal(await bed.store.kv.get(`verifier/${oldSlot.verifier}`), undefined, 'the old code is gone');
  });

  test('aliases: added within the limit, refused when taken, removed except the first', async () => {
    const added = await client.request('POST', '/api/account/aliases', { address: `alias-one@${DOMAIN}` });
    assert.equal(added.status, 201);
    assert.equal(await bed.core.accounts.findIdByAddress(`alias-one@${DOMAIN}`), accountId);
    await bed.createAccount(`someone-else@${DOMAIN}`);
    assert.equal((await client.request('POST', '/api/account/aliases', { address: `someone-else@${DOMAIN}` })).body.code, 'ADDRESS_TAKEN');
    for (let index = 2; index <= 5; index++) {
      assert.equal((await client.request('POST', '/api/account/aliases', { address: `alias-n${index}@${DOMAIN}` })).status, 201);
    }
    const limit = await client.request('POST', '/api/account/aliases', { address: `alias-n6@${DOMAIN}` });
    assert.equal(limit.body.code, 'ADDRESS_LIMIT');
    const account = await client.request('GET', '/api/account');
    assert.equal(account.body.aliases.length, 5);
    assert.equal((await client.request('POST', '/api/account/aliases/remove', { address: `alias-one@${DOMAIN}` })).status, 204);
    assert.equal(await bed.core.accounts.findIdByAddress(`alias-one@${DOMAIN}`), undefined);
    assert.equal((await client.request('POST', '/api/account/aliases/remove', { address })).status, 400);
  });

  test('the settings record is stored as the client encrypted it', async () => {
    assert.deepEqual((await client.request('GET', '/api/settings')).body, { settings: null });
    const key = bed.crypto.newContentKey();
    const record = {
      wrappedKey: b64(bed.crypto.wrapContentKey(key, client.keys!.masterKey)),
      data: b64(bed.crypto.encryptMetadata(key, Buffer.from('{"signature":"Grüße"}'))),
    };
    const stored = await client.request('PUT', '/api/settings', record);
    assert.equal(stored.status, 200);
    const read = (await client.request('GET', '/api/settings')).body.settings;
    assert.equal(read.data, record.data);
    assert.equal(Buffer.from(bed.crypto.decryptMetadata(key, Buffer.from(read.data, 'base64'))).toString(), '{"signature":"Grüße"}');
  });

  test('deletion needs the typed address and the password, and ends everything', async () => {
    const current = await client.derive(address, password);
    const unconfirmed = await client.request('POST', '/api/account/delete', { authKey: b64(current.authKey), confirmAddress: `other@${DOMAIN}` });
    assert.equal(unconfirmed.status, 400);
    const wrongPassword = await client.request('POST', '/api/account/delete', { authKey: b64(bed.crypto.randomBytes(32)), confirmAddress: address });
    assert.equal(wrongPassword.status, 401);
    const deleted = await client.request('POST', '/api/account/delete', { authKey: b64(current.authKey), confirmAddress: address.toUpperCase() });
    assert.equal(deleted.status, 204);
    assert.equal((await client.request('GET', '/api/session')).status, 401);
    assert.equal(await bed.core.accounts.findIdByAddress(address), undefined);
    assert.equal(await bed.core.userSettings.get(accountId), undefined);
    assert.equal((await bed.client().login(address, password)).status, 401);
  });
});
