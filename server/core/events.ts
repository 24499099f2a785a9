// Change notifications for live sessions (IMAP IDLE, web push). In-process now; the
// interface is what a broker-backed implementation would offer. Events carry ids and
// numbers only, never content.

export type MailEvent =
  | { type: 'message-added'; accountId: string; folderId: string; uid: number; modSeq: number }
  | { type: 'flags-changed'; accountId: string; folderId: string; uid: number; modSeq: number; flags: string[] }
  | { type: 'message-expunged'; accountId: string; folderId: string; uid: number; modSeq: number }
  | { type: 'folders-changed'; accountId: string }
  | { type: 'account-deleted'; accountId: string }
  /** App passwords revoked: every session unlocked with one of them must end. */
  | { type: 'key-slots-revoked'; accountId: string; slotIds: string[] };

export type MailEventListener = (event: MailEvent) => void;

export interface MailEvents {
  publish(event: MailEvent): void;
  /** Listens to one account's events; returns the function that stops listening. */
  subscribe(accountId: string, listener: MailEventListener): () => void;
  /** Listens to every account's events (service-wide work such as the outbound queue). */
  subscribeAll(listener: MailEventListener): () => void;
}

export class InProcessMailEvents implements MailEvents {
  readonly #listeners = new Map<string, Set<MailEventListener>>();
  readonly #everyAccount = new Set<MailEventListener>();

  publish(event: MailEvent): void {
    const listeners = [...(this.#listeners.get(event.accountId) ?? []), ...this.#everyAccount];
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener (a session that died mid-write) must not stop delivery to others.
      }
    }
  }

  subscribe(accountId: string, listener: MailEventListener): () => void {
    let listeners = this.#listeners.get(accountId);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(accountId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(accountId);
    };
  }

  subscribeAll(listener: MailEventListener): () => void {
    this.#everyAccount.add(listener);
    return () => this.#everyAccount.delete(listener);
  }
}
