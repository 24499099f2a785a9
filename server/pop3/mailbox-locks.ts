// One POP3 session per mailbox at a time (RFC 1939 section 8 lets the server lock the
// maildrop; RFC 2449's [IN-USE] names the refusal). In memory: one process serves a data
// directory (LevelDB allows no other), so this Set is the whole truth, and a restart, which
// ends every session, frees every lock.

export class MailboxLocks {
  readonly #held = new Set<string>();

  /** The release function, or undefined when another session holds the mailbox. */
  tryAcquire(accountId: string): (() => void) | undefined {
    if (this.#held.has(accountId)) return undefined;
    this.#held.add(accountId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held.delete(accountId);
    };
  }
}
