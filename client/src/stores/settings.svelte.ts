// The user's own settings, kept on the server only as ciphertext the worker made (display
// name, signature, senders whose remote images may load). Loaded after login, wiped at
// logout.
import { api } from '../lib/api.ts';
import { callWorker } from '../lib/crypto-client.ts';
import { session } from './session.svelte.ts';

export interface UserSettingsData {
  v: 1;
  displayName: string;
  signature: string;
  /** Senders (lowercase addresses) whose messages load remote images without asking. */
  trustedSenders: string[];
}

const DEFAULTS: UserSettingsData = { v: 1, displayName: '', signature: '', trustedSenders: [] };

class Settings {
  data = $state<UserSettingsData>({ ...DEFAULTS });

  async load(): Promise<void> {
    const { settings } = await api.settings();
    if (!settings) {
      this.data = { ...DEFAULTS };
      return;
    }
    const { json } = await callWorker('decryptSettings', { wrappedKey: settings.wrappedKey, data: settings.data });
    this.data = { ...DEFAULTS, ...(JSON.parse(json) as Partial<UserSettingsData>) };
  }

  async save(change: Partial<UserSettingsData>): Promise<void> {
    const next = { ...this.data, ...change };
    const sealed = await callWorker('encryptSettings', { json: JSON.stringify(next) });
    await api.saveSettings(sealed.wrappedKey, sealed.data);
    this.data = next;
  }
}

export const settings = new Settings();
session.onLogout(() => {
  settings.data = { ...DEFAULTS };
});
