// Opening the mailbox once per login, from whichever unlocked screen comes first: folders,
// live updates, this device's search index, the encrypted settings and the credit.
import { billing } from './billing.svelte.ts';
import { mail } from './mail.svelte.ts';
import { search } from './search.svelte.ts';
import { session } from './session.svelte.ts';
import { settings } from './settings.svelte.ts';
import { toasts } from './toasts.svelte.ts';

let opening: Promise<void> | null = null;

export function openMailbox(): Promise<void> {
  opening ??= Promise.all([mail.start().then(() => search.resume()), settings.load(), billing.load()]).then(
    () => undefined,
    (error: unknown) => {
      opening = null;
      if (!session.handleExpired(error)) toasts.show(error instanceof Error ? error.message : String(error), 'error');
    },
  );
  return opening;
}

session.onLogout(() => {
  opening = null;
});
