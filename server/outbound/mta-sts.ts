// MTA-STS (RFC 8461): a domain that publishes a policy in "enforce" mode receives mail only
// over TLS with a valid certificate, at an MX host its policy names. The TXT record at
// _mta-sts.<domain> announces a policy id; the policy itself comes over HTTPS from
// https://mta-sts.<domain>/.well-known/mta-sts.txt. Policies are cached for their max_age
// and refreshed when the id changes. The fetcher is an interface so tests serve policies
// without a public CA; parsing and MX matching are mailauth's.
import { request } from 'node:https';
import { parsePolicy, resolvePolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import type { Clock } from '../core/context.ts';
import { mailauthResolver, type DnsResolver } from '../dns/resolver.ts';

export interface MtaStsPolicy {
  mode: 'none' | 'testing' | 'enforce';
  mx: string[];
}

export interface MtaStsFetcher {
  /** The policy file's text; null when the domain serves none (no host, HTTP 404). Throws
   * when the answer cannot be had now (timeout, TLS failure). */
  fetch(domain: string): Promise<string | null>;
}

const NO_POLICY: MtaStsPolicy = { mode: 'none', mx: [] };

/** RFC 8461 section 3.3: policy bodies are small; a sender may refuse more than 64 KiB. */
const MAX_POLICY_BYTES = 64 * 1024;
/** The TXT id is looked at again after this long, so a changed policy reaches us within an
 * hour without a DNS query per message. */
const RECHECK_MS = 3_600_000;

export function httpsMtaStsFetcher(timeoutMs: number): MtaStsFetcher {
  return {
    fetch: (domain) =>
      new Promise((resolve, reject) => {
        const req = request(
          // RFC 8461 section 3.3: HTTPS with a valid certificate for mta-sts.<domain>; no redirects.
          { host: `mta-sts.${domain}`, path: '/.well-known/mta-sts.txt', method: 'GET', timeout: timeoutMs, rejectUnauthorized: true },
          (response) => {
            if (response.statusCode === 404) {
              response.resume();
              return resolve(null);
            }
            if (response.statusCode !== 200) {
              response.resume();
              return reject(new Error(`MTA-STS policy fetch answered HTTP ${response.statusCode}`));
            }
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_POLICY_BYTES) return req.destroy(new Error('MTA-STS policy larger than 64 KiB'));
              chunks.push(chunk);
            });
            response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
            response.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('MTA-STS policy fetch timed out')));
        req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOTFOUND' ? resolve(null) : reject(error)));
        req.end();
      }),
  };
}

interface CachedPolicy {
  id: string;
  policy: MtaStsPolicy;
  expiresAt: number;
  checkedAt: number;
}

export class MtaStsPolicies {
  readonly #dns: DnsResolver;
  readonly #fetcher: MtaStsFetcher;
  readonly #clock: Clock;
  readonly #cache = new Map<string, CachedPolicy>();

  constructor(dns: DnsResolver, fetcher: MtaStsFetcher, clock: Clock) {
    this.#dns = dns;
    this.#fetcher = fetcher;
    this.#clock = clock;
  }

  /** The policy to apply to a domain now. Failures to learn one fall back to the cached
   * policy, else to none (section 5: a sender without a policy delivers as before). */
  async policyFor(domain: string): Promise<MtaStsPolicy> {
    const now = this.#clock.now();
    const cached = this.#cache.get(domain);
    const valid = cached && cached.expiresAt > now ? cached : undefined;
    if (valid && now - valid.checkedAt < RECHECK_MS) return valid.policy;
    let id: string | false;
    try {
      id = await resolvePolicy(domain, { resolver: mailauthResolver(this.#dns) });
    } catch {
      return valid?.policy ?? NO_POLICY;
    }
    // Section 3.2: a removed TXT record does not end a cached policy before it expires.
    if (!id) return valid?.policy ?? NO_POLICY;
    if (valid && valid.id === id) {
      valid.checkedAt = now;
      return valid.policy;
    }
    try {
      const text = await this.#fetcher.fetch(domain);
      if (text === null) return valid?.policy ?? NO_POLICY;
      const parsed = parsePolicy(text);
      const policy: MtaStsPolicy = { mode: parsed.mode as MtaStsPolicy['mode'], mx: parsed.mx ?? [] };
      this.#cache.set(domain, { id, policy, expiresAt: now + (parsed.maxAge ?? 0) * 1000, checkedAt: now });
      return policy;
    } catch {
      return valid?.policy ?? NO_POLICY;
    }
  }
}

/** Whether an MX host may receive the domain's mail under the policy. */
export function mxAllowedByPolicy(host: string, policy: MtaStsPolicy): boolean {
  if (policy.mode !== 'enforce') return true;
  return validateMx(host, { mode: policy.mode, mx: policy.mx }).valid;
}
