// Admission of new connections to one service (both ports of a protocol share a gate), as
// Postfix's anvil does for smtpd: a cap on the service's open sockets, and per client (an
// address, an IPv6 /64) a cap on open sockets and on new ones per minute. Without them one
// address with a few hundred sockets filled the MX and POP3 for everyone (issue 12, item 3).
//
// In memory only (docs/design.md promise 4): the client keys live in this Map, are never
// logged, and go once the client has no socket open and its rate allowance is whole again.
import { BlockList, isIP } from 'node:net';
import type { Clock } from '../core/context.ts';
import { clientSourceOf, plainAddress } from './client-source.ts';

export interface ConnectionGateLimits {
  /** Open sockets of the service, TLS handshakes included. */
  maxConnections: number;
  perClient: {
    maxConnections: number;
    /** New sockets a minute; a burst of as many is allowed, then one every 60/n seconds. */
    connectionsPerMinute: number;
  };
}

export type Refusal = 'service-full' | 'client-connections' | 'client-rate';

export type Admission = { admitted: true; release(): void } | { admitted: false; refusal: Refusal };

interface ClientCount {
  open: number;
  /** Rate allowance left, refilled continuously up to connectionsPerMinute. */
  allowance: number;
  updatedAt: number;
}

/** The rate allowance refills from empty to whole in this long. */
const REFILL_MS = 60_000;
/** Idle entries are dropped by a sweep this often, and at once past the size below. */
const SWEEP_INTERVAL_MS = 60_000;
const MAX_IDLE_ENTRIES = 100_000;

export class ConnectionGate {
  readonly #limits: ConnectionGateLimits;
  readonly #exempt: BlockList;
  readonly #clock: Clock;
  readonly #clients = new Map<string, ClientCount>();
  #open = 0;
  #sweeper: NodeJS.Timeout | undefined;

  /** `exempt` clients (the host itself, trusted proxies) count only towards the service's cap. */
  constructor(limits: ConnectionGateLimits, exempt: BlockList, clock: Clock) {
    this.#limits = limits;
    this.#exempt = exempt;
    this.#clock = clock;
  }

  get openConnections(): number {
    return this.#open;
  }

  admit(remoteAddress: string | undefined): Admission {
    if (this.#open >= this.#limits.maxConnections) return { admitted: false, refusal: 'service-full' };
    if (isExempt(this.#exempt, remoteAddress)) return this.#admitted(undefined);
    const key = clientSourceOf(remoteAddress);
    const now = this.#clock.now();
    const { perClient } = this.#limits;
    const client = this.#clients.get(key) ?? { open: 0, allowance: perClient.connectionsPerMinute, updatedAt: now };
    client.allowance = Math.min(perClient.connectionsPerMinute, client.allowance + ((now - client.updatedAt) * perClient.connectionsPerMinute) / REFILL_MS);
    client.updatedAt = now;
    this.#clients.set(key, client);
    if (client.open >= perClient.maxConnections) return { admitted: false, refusal: 'client-connections' };
    if (client.allowance < 1) return { admitted: false, refusal: 'client-rate' };
    client.allowance -= 1;
    client.open += 1;
    return this.#admitted(client);
  }

  /** Stops the sweep timer (service shutdown). */
  close(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#clients.clear();
  }

  #admitted(client: ClientCount | undefined): Admission {
    this.#open += 1;
    this.#scheduleSweep();
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.#open -= 1;
        if (client) client.open -= 1;
      },
    };
  }

  #scheduleSweep(): void {
    if (this.#clients.size > MAX_IDLE_ENTRIES) this.#sweep();
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  /** Forgets clients with nothing open whose allowance has refilled: they are as if new. */
  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, client] of this.#clients) {
      if (client.open === 0 && now - client.updatedAt >= REFILL_MS) this.#clients.delete(key);
    }
  }
}

/** Addresses and CIDR ranges, comma-separated, as a BlockList; a clear error names a bad entry. */
export function addressList(setting: string, name: string): BlockList {
  const list = new BlockList();
  for (const entry of setting
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`${name}: "${entry}" is not an address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) throw new Error(`${name}: "${entry}" has a bad prefix length`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

function isExempt(list: BlockList, remoteAddress: string | undefined): boolean {
  if (!remoteAddress) return false;
  const address = plainAddress(remoteAddress);
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
