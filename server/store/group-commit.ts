// Group commit: callers that arrive while a durable write is in flight are gathered and
// made durable together by the next single write. One fsync then acknowledges many callers,
// which is what lets a disk doing a few thousand fsyncs per second carry far more writes.
// Used for the LevelDB batches, the fdatasyncs of the blob log and the directory fsyncs of
// the file blob store.

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  #waiting: Waiter<T>[] = [];
  #draining: Promise<void> | undefined;

  /** `flush` makes every item of one group durable at once; it succeeds or fails as a whole. */
  constructor(flush: (items: T[]) => Promise<void>) {
    this.#flush = flush;
  }

  /** Resolves when a write containing `item` is durable; rejects if that write failed. */
  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      // Starting on a microtask lets callers submitting in the same tick share the first write.
      this.#draining ??= Promise.resolve().then(() => this.#drain());
    });
  }

  /** Resolves once everything submitted so far has been written (or has failed). */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      const group = this.#waiting;
      this.#waiting = [];
      try {
        await this.#flush(group.map((waiter) => waiter.item));
        for (const waiter of group) waiter.resolve();
      } catch (error) {
        for (const waiter of group) waiter.reject(error);
      }
    }
    this.#draining = undefined;
  }
}
