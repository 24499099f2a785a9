// Where mail for a domain goes (RFC 5321 section 5.1): the MX hosts in order of preference,
// equal preferences shuffled; without MX records the domain itself (implicit MX, A/AAAA);
// a null MX (RFC 7505) or a domain that does not exist fails for good. Static routes from
// the configuration (`domain=host:port`, `*` for all) replace the lookup: a smarthost, or a
// local sink in tests and benchmarks.
import { listSetting } from '../config/list-setting.ts';
import { isIP } from 'node:net';
import { isDnsNoData, isDnsNxDomain, type DnsResolver } from '../dns/resolver.ts';
import { DeliveryFailure } from './failure.ts';

export interface DeliveryRoute {
  /** The MX host name (for TLS SNI and MTA-STS), or an address for static routes. */
  host: string;
  port: number;
  addresses: string[];
  /** False for a static route: the operator chose that hop, so MTA-STS (which names MX
   * hosts) does not apply to it. */
  viaMx: boolean;
}

export interface StaticRoute {
  host: string;
  port: number;
}

/** MX hosts tried per domain (Postfix's smtp_mx_address_limit): enough for every real
 * fallback chain, few enough that a domain with dozens of records cannot stall the queue. */
const MAX_MX_HOSTS = 5;

export class StaticRouteError extends Error {
  readonly code = 'INVALID_STATIC_ROUTE';
}

/** Parses `outbound.staticRoutes`: `example.org=10.0.0.5:2525,*=smarthost.example:587`. */
export function parseStaticRoutes(text: string): Map<string, StaticRoute> {
  const routes = new Map<string, StaticRoute>();
  for (const item of listSetting(text)) {
    const match = /^([a-z0-9.*-]+)=(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/i.exec(item);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      throw new StaticRouteError(`outbound.staticRoutes: "${item}" is not domain=host:port`);
    }
    routes.set(match[1]!.toLowerCase(), { host: match[2]!.replace(/^\[|\]$/g, '').toLowerCase(), port });
  }
  return routes;
}

export class RouteResolver {
  readonly #dns: DnsResolver;
  readonly #staticRoutes: Map<string, StaticRoute>;
  readonly #mxPort: number;

  /** mxPort: the port of MX hosts (`outbound.mxPort`, 25 on the internet). */
  constructor(dns: DnsResolver, staticRoutes: Map<string, StaticRoute>, mxPort: number) {
    this.#dns = dns;
    this.#staticRoutes = staticRoutes;
    this.#mxPort = mxPort;
  }

  /** Routes in the order to try them; throws DeliveryFailure when there is none. */
  async resolve(domain: string): Promise<DeliveryRoute[]> {
    const fixed = this.#staticRoutes.get(domain) ?? this.#staticRoutes.get('*');
    if (fixed) {
      const addresses = await this.#addressesOf(fixed.host);
      if (addresses.length === 0) throw DeliveryFailure.temporary('4.4.3', `the static route host ${fixed.host} has no address`);
      return [{ host: fixed.host, port: fixed.port, addresses, viaMx: false }];
    }
    let hosts: string[];
    try {
      const records = await this.#dns.resolveMx(domain);
      if (records.some((record) => record.exchange === '' || record.exchange === '.')) {
        throw DeliveryFailure.permanent('5.1.10', `${domain} does not accept mail (null MX)`);
      }
      hosts = orderByPreference(records).slice(0, MAX_MX_HOSTS);
    } catch (error) {
      if (error instanceof DeliveryFailure) throw error;
      if (isDnsNxDomain(error)) throw DeliveryFailure.permanent('5.1.2', `the domain ${domain} does not exist`);
      if (!isDnsNoData(error)) throw DeliveryFailure.temporary('4.4.3', `MX lookup for ${domain} failed (${dnsCode(error)})`);
      hosts = [domain];
    }
    const routes: DeliveryRoute[] = [];
    let lookupError: unknown;
    for (const host of hosts) {
      try {
        const addresses = await this.#addressesOf(host);
        if (addresses.length > 0) routes.push({ host: host.toLowerCase(), port: this.#mxPort, addresses, viaMx: true });
      } catch (error) {
        lookupError = error;
      }
    }
    if (routes.length > 0) return routes;
    if (hosts.length === 1 && hosts[0] === domain && !lookupError) {
      throw DeliveryFailure.permanent('5.1.2', `${domain} has neither MX nor address records`);
    }
    throw DeliveryFailure.temporary('4.4.3', `no mail server of ${domain} has an address${lookupError ? ` (${dnsCode(lookupError)})` : ''}`);
  }

  async #addressesOf(host: string): Promise<string[]> {
    if (isIP(host)) return [host];
    const lookups = await Promise.allSettled([this.#dns.resolve4(host), this.#dns.resolve6(host)]);
    const addresses = lookups.flatMap((lookup) => (lookup.status === 'fulfilled' ? lookup.value : []));
    const outage = lookups.find((lookup) => lookup.status === 'rejected' && !isDnsNoData(lookup.reason));
    if (addresses.length === 0 && outage?.status === 'rejected') throw outage.reason;
    return addresses;
  }
}

function orderByPreference(records: { exchange: string; priority: number }[]): string[] {
  return records
    .map((record) => ({ ...record, tieBreak: Math.random() }))
    .sort((a, b) => a.priority - b.priority || a.tieBreak - b.tieBreak)
    .map((record) => record.exchange.replace(/\.$/, ''));
}

function dnsCode(error: unknown): string {
  return (error as { code?: string }).code ?? 'DNS error';
}
