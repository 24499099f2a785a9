// A short-lived answer cache in front of a DnsResolver. Node's resolver (c-ares) keeps no
// cache, and every arriving message asks the same few questions (SPF, DKIM key, DMARC) of
// the same sending domains; concurrent identical questions share one query. Answers and
// "no such name/record" are kept briefly; failures (timeouts, SERVFAIL) are not kept, so the
// next message asks again. Only domain names and public records are held, in memory.
import { isDnsNoData, type DnsResolver, type MxRecord } from './resolver.ts';

/** Long enough to serve a burst of mail from one sender, short enough that a rotated DKIM
 * key or a fixed SPF record is seen within a minute (most TTLs are longer anyway). */
const ANSWER_TTL_MS = 60_000;
/** Bounds memory: about 1–2 MB of TXT records at most. */
const MAX_ENTRIES = 10_000;

interface Entry {
  expires: number;
  answer: Promise<unknown>;
}

export class CachingDnsResolver implements DnsResolver {
  readonly #upstream: DnsResolver;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(upstream: DnsResolver, now: () => number = Date.now) {
    this.#upstream = upstream;
    this.#now = now;
  }

  resolveMx(name: string): Promise<MxRecord[]> {
    return this.#cached('MX', name, () => this.#upstream.resolveMx(name));
  }

  resolve4(name: string): Promise<string[]> {
    return this.#cached('A', name, () => this.#upstream.resolve4(name));
  }

  resolve6(name: string): Promise<string[]> {
    return this.#cached('AAAA', name, () => this.#upstream.resolve6(name));
  }

  resolveTxt(name: string): Promise<string[][]> {
    return this.#cached('TXT', name, () => this.#upstream.resolveTxt(name));
  }

  #cached<T>(type: string, name: string, ask: () => Promise<T>): Promise<T> {
    const key = `${type} ${name.toLowerCase()}`;
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry && entry.expires > now) return entry.answer as Promise<T>;
    if (entry) this.#entries.delete(key);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    const answer = ask();
    this.#entries.set(key, { expires: now + ANSWER_TTL_MS, answer });
    // An outage is not an answer: forget it once it settles, unless a newer query replaced it.
    answer.catch((error: unknown) => {
      if (!isDnsNoData(error) && this.#entries.get(key)?.answer === answer) this.#entries.delete(key);
    });
    return answer;
  }
}
