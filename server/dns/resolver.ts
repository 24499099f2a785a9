// The DNS questions outbound delivery asks (MX, A, AAAA, TXT), behind an interface so that
// tests answer from a static map and production asks the system's (or configured) resolvers.
// Errors keep Node's codes: ENOTFOUND (the name does not exist) and ENODATA (no record of
// that type) are answers; anything else (ESERVFAIL, ETIMEOUT…) means "ask again later".
import { Resolver } from 'node:dns/promises';

export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface DnsResolver {
  resolveMx(name: string): Promise<MxRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveTxt(name: string): Promise<string[][]>;
}

/** A lookup that failed with an answer (no such name, no such record) rather than an outage. */
export function isDnsNoData(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

export function isDnsNxDomain(error: unknown): boolean {
  return (error as { code?: string }).code === 'ENOTFOUND';
}

/** One query waits this long, twice: a resolver that has not answered in 10 s will not. */
const QUERY_TIMEOUT_MS = 5000;
const QUERY_TRIES = 2;

export function systemDnsResolver(servers: string[] = []): DnsResolver {
  const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: QUERY_TRIES });
  if (servers.length > 0) resolver.setServers(servers);
  return {
    resolveMx: (name) => resolver.resolveMx(name),
    resolve4: (name) => resolver.resolve4(name),
    resolve6: (name) => resolver.resolve6(name),
    resolveTxt: (name) => resolver.resolveTxt(name),
  };
}

/** The `(name, rrtype)` resolver function mailauth accepts (MX for SPF's "mx" mechanism). */
export function mailauthResolver(resolver: DnsResolver): (name: string, rrtype: string) => Promise<string[][] | string[]> {
  return async (name, rrtype) => {
    switch (rrtype.toUpperCase()) {
      case 'TXT':
        return resolver.resolveTxt(name);
      case 'MX':
        // mailauth's types list only strings, but its SPF code reads Node's MX answers.
        return (await resolver.resolveMx(name)) as unknown as string[];
      case 'A':
        return resolver.resolve4(name);
      case 'AAAA':
        return resolver.resolve6(name);
      default:
        throw Object.assign(new Error(`no ${rrtype} records for ${name}`), { code: 'ENODATA' });
    }
  };
}
