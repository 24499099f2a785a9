// One shard of the search index: an inverted index (term → messages) over a bounded set of
// messages of one folder, plus how each is shown in a result list. A shard is the unit that is
// encrypted and stored, so that adding a message re-encrypts one shard, not the whole index.
//
// Stored form (JSON, then encrypted by index-records.ts):
//   { v: 1, messages: [[uid, date, subject, from, to], …] by uid,
//     terms: [term, …] sorted, postings: [[delta-coded message positions], …] per term }

import type { ShownFields } from './searchable-text.ts';

export const SHARD_FORMAT_VERSION = 1;

export interface IndexedMessage extends ShownFields {
  uid: number;
  /** The server's arrival date (epoch ms), by which hits are ordered. */
  date: number;
}

type StoredMessage = [number, number, string, string, string];

interface StoredShard {
  v: typeof SHARD_FORMAT_VERSION;
  messages: StoredMessage[];
  terms: string[];
  postings: number[][];
}

export class ShardFormatError extends Error {
  constructor(message: string) {
    super(`search index shard: ${message}`);
    this.name = 'ShardFormatError';
  }
}

export class IndexShard {
  readonly messages = new Map<number, IndexedMessage>();
  /** term → uids of the messages holding it, without duplicates. */
  readonly #postings = new Map<string, number[]>();
  /** The terms in order, for prefix lookups; rebuilt after a change, when next asked. */
  #sortedTerms: string[] | null = null;

  get size(): number {
    return this.messages.size;
  }

  add(message: IndexedMessage, terms: ReadonlySet<string>): void {
    if (this.messages.has(message.uid)) this.remove(new Set([message.uid]));
    this.messages.set(message.uid, message);
    for (const term of terms) {
      const uids = this.#postings.get(term);
      if (uids) uids.push(message.uid);
      else {
        this.#postings.set(term, [message.uid]);
        this.#sortedTerms = null;
      }
    }
  }

  /** Forgets these messages; returns how many it held. */
  remove(uids: ReadonlySet<number>): number {
    let removed = 0;
    for (const uid of uids) if (this.messages.delete(uid)) removed++;
    if (removed === 0) return 0;
    for (const [term, holders] of this.#postings) {
      const kept = holders.filter((uid) => !uids.has(uid));
      if (kept.length === 0) {
        this.#postings.delete(term);
        this.#sortedTerms = null;
      } else if (kept.length !== holders.length) this.#postings.set(term, kept);
    }
    return removed;
  }

  /** The uids of the messages holding the term, or any term beginning with it. */
  matching(term: string, prefix: boolean): Set<number> {
    if (!prefix) return new Set(this.#postings.get(term));
    this.#sortedTerms ??= [...this.#postings.keys()].sort();
    const sorted = this.#sortedTerms;
    const found = new Set<number>();
    for (let index = firstNotBefore(sorted, term); index < sorted.length && sorted[index]!.startsWith(term); index++) {
      for (const uid of this.#postings.get(sorted[index]!)!) found.add(uid);
    }
    return found;
  }

  encode(): Uint8Array {
    const messages = [...this.messages.values()].sort((a, b) => a.uid - b.uid);
    const position = new Map(messages.map((message, index) => [message.uid, index]));
    const terms = [...this.#postings.keys()].sort();
    const stored: StoredShard = {
      v: SHARD_FORMAT_VERSION,
      messages: messages.map((message) => [message.uid, message.date, message.subject, message.from, message.to]),
      terms,
      postings: terms.map((term) =>
        deltas(
          this.#postings
            .get(term)!
            .map((uid) => position.get(uid)!)
            .sort((a, b) => a - b),
        ),
      ),
    };
    return new TextEncoder().encode(JSON.stringify(stored));
  }

  static decode(bytes: Uint8Array): IndexShard {
    let stored: StoredShard;
    try {
      stored = JSON.parse(new TextDecoder().decode(bytes)) as StoredShard;
    } catch {
      throw new ShardFormatError('not JSON');
    }
    if (stored?.v !== SHARD_FORMAT_VERSION) throw new ShardFormatError(`format ${String(stored?.v)} is not ${SHARD_FORMAT_VERSION}`);
    if (!Array.isArray(stored.messages) || !Array.isArray(stored.terms) || !Array.isArray(stored.postings) || stored.terms.length !== stored.postings.length) {
      throw new ShardFormatError('malformed');
    }
    const shard = new IndexShard();
    const uids = stored.messages.map(([uid, date, subject, from, to]) => {
      shard.messages.set(uid, { uid, date, subject, from, to });
      return uid;
    });
    stored.terms.forEach((term, index) => {
      let position = 0;
      shard.#postings.set(
        term,
        stored.postings[index]!.map((delta) => {
          position += delta;
          const uid = uids[position];
          if (uid === undefined) throw new ShardFormatError('a posting points past the messages');
          return uid;
        }),
      );
    });
    shard.#sortedTerms = stored.terms;
    return shard;
  }
}

function deltas(sorted: number[]): number[] {
  return sorted.map((value, index) => value - (index === 0 ? 0 : sorted[index - 1]!));
}

/** The first index whose term is not before `term` (binary search). */
function firstNotBefore(sorted: readonly string[], term: string): number {
  let [low, high] = [0, sorted.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < term) low = middle + 1;
    else high = middle;
  }
  return low;
}
