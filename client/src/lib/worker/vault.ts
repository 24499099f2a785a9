// The vault: the only place the mailbox keys live, in the crypto worker's memory and
// nowhere else (not the page, not storage). lock() wipes them; so does closing the tab.
import type { MailboxKeys, SealpostCrypto } from '../../../../crypto/api.ts';

export class VaultLockedError extends Error {
  readonly code = 'LOCKED';
  constructor() {
    super('the mailbox is locked: log in again');
  }
}

let keys: MailboxKeys | undefined;
/** The password kek between deriving (login request in flight) and unlocking. */
let pendingKek: Uint8Array | undefined;

export const vault = {
  holdPendingKek(crypto: SealpostCrypto, kek: Uint8Array): void {
    crypto.wipe(pendingKek);
    pendingKek = kek;
  },

  takePendingKek(): Uint8Array {
    const kek = pendingKek;
    pendingKek = undefined;
    if (!kek) throw new VaultLockedError();
    return kek;
  },

  open(crypto: SealpostCrypto, unlocked: MailboxKeys): void {
    vault.lock(crypto);
    keys = unlocked;
  },

  keys(): MailboxKeys {
    if (!keys) throw new VaultLockedError();
    return keys;
  },

  lock(crypto: SealpostCrypto): void {
    if (keys) crypto.wipe(keys.masterKey, keys.privateKey, keys.publicKey);
    crypto.wipe(pendingKek);
    keys = undefined;
    pendingKek = undefined;
  },
};
