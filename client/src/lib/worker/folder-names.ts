// Folder names sealed in the browser exactly as server/core/folder-names.ts seals them in an
// IMAP session, so both read each other's names (test/web/client-lib.test.ts checks it):
//
//   "1." base64(wrapContentKey(nameKey, masterKey)) "." base64(encryptRecord(nameKey, "folder-name", utf8(name)))
//
// The server's module cannot run here (it relies on Node's Buffer), hence this twin.
import type { MailboxKeys, SealpostCrypto } from '../../../../crypto/api.ts';
import { fromBase64, toBase64 } from '../base64.ts';

const FORMAT_PREFIX = '1.';
const RECORD_LABEL = 'folder-name';

export function sealFolderName(crypto: SealpostCrypto, keys: MailboxKeys, name: string): string {
  const nameKey = crypto.newContentKey();
  try {
    const wrapped = crypto.wrapContentKey(nameKey, keys.masterKey);
    const record = crypto.encryptRecord(nameKey, RECORD_LABEL, new TextEncoder().encode(name));
    return `${FORMAT_PREFIX}${toBase64(wrapped)}.${toBase64(record)}`;
  } finally {
    crypto.wipe(nameKey);
  }
}

export function openFolderName(crypto: SealpostCrypto, keys: MailboxKeys, sealed: string): string {
  if (!sealed.startsWith(FORMAT_PREFIX)) throw new Error('unsupported folder name format');
  const [wrapped, record] = sealed.slice(FORMAT_PREFIX.length).split('.');
  if (wrapped === undefined || record === undefined) throw new Error('malformed sealed folder name');
  const nameKey = crypto.openContentKey(fromBase64(wrapped), keys);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(crypto.decryptRecord(nameKey, RECORD_LABEL, fromBase64(record)));
  } finally {
    crypto.wipe(nameKey);
  }
}
