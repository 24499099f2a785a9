// The account's credit, when the server charges for mailboxes: shown in the settings and,
// once it has run out, as a banner over the mail.
import { api, type EnabledBillingStatus } from '../lib/api.ts';
import { session } from './session.svelte.ts';

class BillingStore {
  status = $state.raw<EnabledBillingStatus | null>(null);

  async load(): Promise<void> {
    const answer = await api.billing();
    this.status = answer.enabled ? answer : null;
  }

  formatMoney(cents: number, currency: string, language: string): string {
    return (cents / 100).toLocaleString(language === 'de' ? 'de-DE' : 'en-GB', { style: 'currency', currency });
  }
}

export const billing = new BillingStore();
session.onLogout(() => {
  billing.status = null;
});
