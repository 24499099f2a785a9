// Settings a user's own clients keep on the server (the web client's signature, senders
// whose remote content may load, language): one record per account, encrypted by the
// client under a random key wrapped for its masterKey (the content-key construction), so
// the server stores and returns ciphertext it cannot read. Deleted with the account.
import type { CoreContext } from './context.ts';
import { keys } from './keys.ts';
import { decodeRecord, encodeRecord } from './records.ts';

export interface UserSettingsRecord {
  v: 1;
  /** Base64 of the wrapped settings key (crypto/FORMAT.md wrapped content key). */
  wrappedKey: string;
  /** Base64 of the settings, encrypted under that key (metadata record format). */
  data: string;
  updatedAt: number;
}

export class UserSettings {
  readonly #context: CoreContext;

  constructor(context: CoreContext) {
    this.#context = context;
  }

  async get(accountId: string): Promise<UserSettingsRecord | undefined> {
    const value = await this.#context.store.kv.get(keys.userSettings(accountId));
    return value ? decodeRecord<UserSettingsRecord>(value) : undefined;
  }

  async put(accountId: string, settings: { wrappedKey: string; data: string }): Promise<UserSettingsRecord> {
    const record: UserSettingsRecord = { v: 1, ...settings, updatedAt: this.#context.clock.now() };
    await this.#context.writer.run(accountId, async (txn) => {
      txn.put(keys.userSettings(accountId), encodeRecord(record));
    });
    return record;
  }
}
