// Folder names are user content (docs/design.md promise 1), so the server stores them only
// encrypted. Each name gets its own random key, wrapped under the masterKey like a message's
// content key; the name itself is a crypto record under that key. Only a holder of the keys
// (an unlocked IMAP session, the browser's worker) can read or write a name; both run this
// one module, so each reads the other's names.
//
//   sealed name = "1." base64(wrapContentKey(nameKey, masterKey)) "." base64(encryptRecord(nameKey, "folder-name", utf8(name)))
import type { MailboxKeys, SealpostCrypto } from '../crypto/api.ts';
import { fromBase64, toBase64 } from './base64.ts';

const FORMAT_PREFIX = '1.';
/** Domain separation: a name record never opens as another record type under the same key. */
const RECORD_LABEL = 'folder-name';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function sealFolderName(crypto: SealpostCrypto, keys: MailboxKeys, name: string): string {
  const nameKey = crypto.newContentKey();
  try {
    const wrapped = crypto.wrapContentKey(nameKey, keys.masterKey);
    const record = crypto.encryptRecord(nameKey, RECORD_LABEL, encoder.encode(name));
    return `${FORMAT_PREFIX}${toBase64(wrapped)}.${toBase64(record)}`;
  } finally {
    crypto.wipe(nameKey);
  }
}

/** Throws when the name was not sealed for these keys, was altered or is malformed. */
export function openFolderName(crypto: SealpostCrypto, keys: MailboxKeys, sealed: string): string {
  if (!sealed.startsWith(FORMAT_PREFIX)) throw new Error('unsupported folder name format');
  const [wrapped, record] = sealed.slice(FORMAT_PREFIX.length).split('.');
  if (wrapped === undefined || record === undefined) throw new Error('malformed sealed folder name');
  const nameKey = crypto.openContentKey(fromBase64(wrapped), keys);
  try {
    return decoder.decode(crypto.decryptRecord(nameKey, RECORD_LABEL, fromBase64(record)));
  } finally {
    crypto.wipe(nameKey);
  }
}
