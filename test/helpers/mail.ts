// Reading mail back as its owner would: unlock with the password (or an app password) and
// decrypt every message in the Inbox (or another folder).
import type { MailboxKeys } from '../../crypto/api.ts';
import { unlockWithPassword } from '../../crypto/account-keys.ts';
import type { MailCore } from '../../server/core/mail-core.ts';
import type { SpecialUse } from '../../server/core/records.ts';
import type { SealpostCrypto } from '../../crypto/api.ts';

export async function unlockByPassword(core: MailCore, crypto: SealpostCrypto, accountId: string, password: string): Promise<MailboxKeys> {
  const account = await core.accounts.get(accountId);
  const { salt, ...kdf } = account.kdf;
  return unlockWithPassword(crypto, password, {
    kdf,
    salt: Buffer.from(salt, 'base64'),
    passwordSlot: Buffer.from(account.passwordSlot, 'base64'),
    publicKey: Buffer.from(account.publicKey, 'base64'),
    encryptedPrivateKey: Buffer.from(account.encryptedPrivateKey, 'base64'),
  });
}

export async function readInbox(core: MailCore, keys: MailboxKeys, accountId: string): Promise<Buffer[]> {
  return readFolder(core, keys, accountId, '\\Inbox');
}

export async function readFolder(core: MailCore, keys: MailboxKeys, accountId: string, specialUse: SpecialUse): Promise<Buffer[]> {
  const folder = await core.folders.findBySpecialUse(accountId, specialUse);
  const bodies: Buffer[] = [];
  for (const record of await core.messages.list(accountId, folder.id)) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of core.messages.readBody(keys, accountId, folder.id, record)) chunks.push(chunk);
    bodies.push(Buffer.concat(chunks));
  }
  return bodies;
}

/** Splits a stored message into what our MX prepended (the checks' headers, then its
 * Received header) and the message as sent. */
export function withoutReceivedHeader(stored: Buffer): { checks: string; received: string; original: Buffer } {
  const text = stored.toString('latin1');
  const match = /^((?:(?:Authentication-Results|Received-SPF|X-Spam-[A-Za-z]+): [^\r]*\r\n(?:[ \t][^\r]*\r\n)*)*)(Received: [^\r]*\r\n(?:\t[^\r]*\r\n)*)/.exec(
    text,
  );
  if (!match) throw new Error('the stored message does not begin with our Received header');
  return { checks: match[1]!, received: match[2]!, original: stored.subarray(match[0].length) };
}
