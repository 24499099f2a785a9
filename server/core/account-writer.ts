// Serialises the index writes of one account and groups them: every change to an account's
// records (append, flags, expunge, folders, key slots) runs as a small transaction here.
// Transactions queued while a commit is in flight form the next round and are written in
// ONE durable batch, so a burst of deliveries to one mailbox costs one fsync, and UIDs and
// MODSEQs are handed out in the order they become visible. Rounds of different accounts
// run concurrently; the store merges their batches again (group commit).
//
// This is the single-process form. A multi-node backend replaces it with the database's
// own transactions; the core only sees `run(accountId, work)`.
import type { KvOperation, KvStore, KvValue } from '../store/types.ts';

export interface Transaction {
  /** Reads see this transaction's own writes and those of earlier transactions of the round. */
  get(key: string): Promise<KvValue | undefined>;
  /** Several reads in one trip to the store (each store read costs a thread-pool hop). */
  getMany(keys: readonly string[]): Promise<(KvValue | undefined)[]>;
  put(key: string, value: KvValue): void;
  del(key: string): void;
  /** Runs after the round is durable (e.g. IDLE notifications). */
  afterCommit(callback: () => void): void;
}

interface Pending {
  work: (txn: Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Writes of a transaction, later merged into its round; `undefined` marks a delete. */
type Overlay = Map<string, KvValue | undefined>;

export class AccountWriter {
  readonly #kv: KvStore;
  readonly #queues = new Map<string, Pending[]>();

  constructor(kv: KvStore) {
    this.#kv = kv;
  }

  run<T>(accountId: string, work: (txn: Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queue = this.#queues.get(accountId);
      const pending: Pending = { work, resolve: resolve as (value: unknown) => void, reject };
      if (queue) {
        queue.push(pending);
        return;
      }
      this.#queues.set(accountId, [pending]);
      void this.#drain(accountId);
    });
  }

  async #drain(accountId: string): Promise<void> {
    for (;;) {
      const round = this.#queues.get(accountId)!;
      if (round.length === 0) {
        this.#queues.delete(accountId);
        return;
      }
      this.#queues.set(accountId, []);
      await this.#runRound(round);
    }
  }

  async #runRound(round: Pending[]): Promise<void> {
    const roundOverlay: Overlay = new Map();
    const committed: { pending: Pending; result: unknown; callbacks: (() => void)[] }[] = [];
    for (const pending of round) {
      const own: Overlay = new Map();
      const callbacks: (() => void)[] = [];
      const txn: Transaction = {
        get: async (key) => {
          if (own.has(key)) return own.get(key);
          if (roundOverlay.has(key)) return roundOverlay.get(key);
          return this.#kv.get(key);
        },
        getMany: async (keys) => {
          const missing = keys.filter((key) => !own.has(key) && !roundOverlay.has(key));
          const stored = missing.length > 0 ? await this.#kv.getMany(missing) : [];
          const fromStore = new Map(missing.map((key, index) => [key, stored[index]]));
          return keys.map((key) => (own.has(key) ? own.get(key) : roundOverlay.has(key) ? roundOverlay.get(key) : fromStore.get(key)));
        },
        put: (key, value) => void own.set(key, value),
        del: (key) => void own.set(key, undefined),
        afterCommit: (callback) => void callbacks.push(callback),
      };
      try {
        const result = await pending.work(txn);
        for (const [key, value] of own) roundOverlay.set(key, value);
        committed.push({ pending, result, callbacks });
      } catch (error) {
        pending.reject(error);
      }
    }
    if (committed.length === 0) return;
    const operations: KvOperation[] = [];
    for (const [key, value] of roundOverlay) {
      operations.push(value === undefined ? { type: 'del', key } : { type: 'put', key, value });
    }
    try {
      if (operations.length > 0) await this.#kv.batch(operations);
    } catch (error) {
      for (const { pending } of committed) pending.reject(error);
      return;
    }
    for (const { pending, result, callbacks } of committed) {
      pending.resolve(result);
      for (const callback of callbacks) callback();
    }
  }
}
