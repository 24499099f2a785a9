// Folders through the web API: names sealed by the client in the format IMAP reads
// (shared/folder-names.ts), counters in clear, default folders protected.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openFolderName, sealFolderName } from '../../shared/folder-names.ts';
import { DOMAIN, startWebTestbed, type BrowserLikeClient, type WebTestbed } from './support.ts';

describe('web folder API', () => {
  let bed: WebTestbed;
  let client: BrowserLikeClient;
  let accountId: string;

  before(async () => {
    bed = await startWebTestbed();
    ({ accountId } = await bed.createAccount(`folders@${DOMAIN}`));
    client = bed.client();
    await client.login(`folders@${DOMAIN}`);
  });
  after(() => bed.close());

  test('create, rename, unsubscribe and delete a folder with a sealed name', async () => {
    const sealed = sealFolderName(bed.crypto, client.keys!, 'Projekte/Grüne Post');
    const created = await client.request('POST', '/api/folders', { encryptedName: sealed });
    assert.equal(created.status, 201);
    assert.equal(created.body.encryptedName, sealed);
    assert.equal(created.body.messages, 0);
    const named = await bed.core.folderTree.list(accountId, client.keys!);
    assert.ok(
      named.some((entry) => entry.name === 'Projekte/Grüne Post'),
      'IMAP sees the name the browser sealed',
    );

    const renamed = await client.request('PATCH', `/api/folders/${created.body.id}`, {
      encryptedName: sealFolderName(bed.crypto, client.keys!, 'Archiv 2026'),
    });
    assert.equal(openFolderName(bed.crypto, client.keys!, renamed.body.encryptedName), 'Archiv 2026');
    const unsubscribed = await client.request('PATCH', `/api/folders/${created.body.id}`, { subscribed: false });
    assert.equal(unsubscribed.body.subscribed, false);

    const deleted = await client.request('DELETE', `/api/folders/${created.body.id}`);
    assert.equal(deleted.status, 204);
    const list = await client.request('GET', '/api/folders');
    assert.ok(!list.body.folders.some((folder: { id: string }) => folder.id === created.body.id));
  });

  test('default folders cannot be deleted, the Inbox not renamed, and names must be sealed', async () => {
    const folders = (await client.request('GET', '/api/folders')).body.folders as { id: string; specialUse: string }[];
    const inbox = folders.find((folder) => folder.specialUse === '\\Inbox')!;
    const trash = folders.find((folder) => folder.specialUse === '\\Trash')!;
    assert.equal((await client.request('DELETE', `/api/folders/${trash.id}`)).status, 400);
    const rename = await client.request('PATCH', `/api/folders/${inbox.id}`, { encryptedName: sealFolderName(bed.crypto, client.keys!, 'Other') });
    assert.equal(rename.status, 400);
    const plain = await client.request('POST', '/api/folders', { encryptedName: 'My plain folder' });
    assert.equal(plain.status, 400);
    assert.equal(plain.body.code, 'INVALID_REQUEST');
  });

  test('counters follow new mail', async () => {
    await bed.core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address: `folders@${DOMAIN}` }],
      content: (async function* () {
        yield Buffer.from('Subject: count me\r\n\r\nhello\r\n');
      })(),
    });
    const inbox = (await client.request('GET', '/api/folders')).body.folders.find((folder: { specialUse: string }) => folder.specialUse === '\\Inbox');
    assert.equal(inbox.messages, 1);
    assert.equal(inbox.unseen, 1);
  });
});
