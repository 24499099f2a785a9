// A DNS resolver answering from a map, for outbound delivery and DKIM/MTA-STS lookups in
// tests: unknown names fail as NXDOMAIN (ENOTFOUND), known names without the asked type as
// ENODATA, and names listed as broken as a server failure (ESERVFAIL), like Node's resolver.
import type { DnsResolver, MxRecord } from '../../server/dns/resolver.ts';

export interface DnsZone {
  mx?: Record<string, MxRecord[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  txt?: Record<string, string[][]>;
  /** Names whose lookups fail as if the DNS server were down. */
  serverFailure?: string[];
}

export class StaticDnsResolver implements DnsResolver {
  readonly zone: Required<DnsZone>;
  readonly queries: string[] = [];

  constructor(zone: DnsZone = {}) {
    this.zone = { mx: {}, a: {}, aaaa: {}, txt: {}, serverFailure: [], ...zone };
  }

  #answer<T>(type: keyof Omit<DnsZone, 'serverFailure'>, name: string): Promise<T[]> {
    const key = name.toLowerCase().replace(/\.$/, '');
    this.queries.push(`${type} ${key}`);
    if (this.zone.serverFailure.includes(key)) return Promise.reject(Object.assign(new Error(`queryServFail ${key}`), { code: 'ESERVFAIL' }));
    const records = (this.zone[type] as Record<string, T[]>)[key];
    if (records) return Promise.resolve(records);
    const known = (['mx', 'a', 'aaaa', 'txt'] as const).some((other) => key in this.zone[other]);
    const code = known ? 'ENODATA' : 'ENOTFOUND';
    return Promise.reject(Object.assign(new Error(`${code} ${key}`), { code }));
  }

  resolveMx(name: string): Promise<MxRecord[]> {
    return this.#answer('mx', name);
  }

  resolve4(name: string): Promise<string[]> {
    return this.#answer('a', name);
  }

  resolve6(name: string): Promise<string[]> {
    return this.#answer('aaaa', name);
  }

  resolveTxt(name: string): Promise<string[][]> {
    return this.#answer('txt', name);
  }
}
