// The checks between receiving a message at the MX and encrypting it (docs/design.md, Architecture,
// "authentication results → spam checks"): sender authentication and the rspamd verdict run
// side by side on the message in memory; their headers are prepended to the stored message,
// and together they decide where it goes: the Inbox, the Junk folder, or a refusal before
// anything is stored.
import { listSetting } from '../config/list-setting.ts';
import type { Config } from '../config/schema.ts';
import { CachingDnsResolver } from '../dns/caching-resolver.ts';
import { systemDnsResolver, type DnsResolver } from '../dns/resolver.ts';
import type { Logger } from '../log.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { SenderAuthenticator, type ArrivalEnvelope } from './authentication.ts';
import { RspamdClient, type SpamScore } from './rspamd.ts';

export type Disposition =
  | { kind: 'deliver'; folder: '\\Inbox' | '\\Junk'; because: 'spam' | 'dmarc' | null }
  | { kind: 'refuse'; code: number; enhancedStatus: string; text: string; because: 'spam' | 'dmarc' | 'spam-check-unavailable' };

export interface InboundVerdict {
  /** Header lines (CRLF-terminated) to prepend to the message. */
  headers: string;
  disposition: Disposition;
}

export interface InboundChecksOptions {
  /** Null when filter.authentication is off. */
  authenticator: SenderAuthenticator | null;
  /** Null when no rspamd is configured. */
  rspamd: RspamdClient | null;
  /** What to do when rspamd cannot answer. */
  rspamdUnavailable: 'accept' | 'tempfail';
  enforceDmarc: boolean;
  logger: Logger;
}

/** Actions after which rspamd considers the message spam that may still be delivered. */
const JUNK_ACTIONS: ReadonlySet<string> = new Set(['add header', 'rewrite subject']);

export class InboundChecks {
  readonly #options: InboundChecksOptions;

  constructor(options: InboundChecksOptions) {
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#options.authenticator !== null || this.#options.rspamd !== null;
  }

  async run(message: Buffer, envelope: ArrivalEnvelope): Promise<InboundVerdict> {
    const { authenticator, rspamd } = this.#options;
    const [authentication, spam] = await Promise.all([
      authenticator?.check(message, envelope) ?? null,
      rspamd ? rspamd.check(message, envelope).catch((error: unknown) => this.#unavailable(error, envelope.queueId)) : null,
    ]);
    const headers = (authentication?.headers ?? '') + (spam ? spamHeaders(spam) : '');
    return { headers, disposition: this.#decide(authentication?.dmarcFailure ?? null, spam) };
  }

  #unavailable(error: unknown, queueId: string): null {
    this.#options.logger.warn({ queueId, reason: (error as Error).message }, 'mx: spam check unavailable');
    return null;
  }

  #decide(dmarcFailure: { domain: string; policy: string } | null, spam: SpamScore | null): Disposition {
    if (spam?.action === 'reject') return { kind: 'refuse', code: 550, enhancedStatus: '5.7.1', text: 'Message rejected as spam', because: 'spam' };
    const dmarcPolicy = this.#options.enforceDmarc ? dmarcFailure?.policy : undefined;
    if (dmarcPolicy === 'reject') {
      return {
        kind: 'refuse',
        code: 550,
        enhancedStatus: '5.7.1',
        text: `Message rejected: it fails the DMARC policy of ${dmarcFailure!.domain}`,
        because: 'dmarc',
      };
    }
    if (spam?.action === 'soft reject')
      return { kind: 'refuse', code: 451, enhancedStatus: '4.7.1', text: 'Message deferred by the spam filter, try again later', because: 'spam' };
    if (this.#options.rspamd && !spam && this.#options.rspamdUnavailable === 'tempfail') {
      return { kind: 'refuse', code: 451, enhancedStatus: '4.7.1', text: 'Spam check unavailable, try again later', because: 'spam-check-unavailable' };
    }
    if (spam && JUNK_ACTIONS.has(spam.action)) return { kind: 'deliver', folder: '\\Junk', because: 'spam' };
    if (dmarcPolicy === 'quarantine') return { kind: 'deliver', folder: '\\Junk', because: 'dmarc' };
    return { kind: 'deliver', folder: '\\Inbox', because: null };
  }
}

/** The SpamAssassin-style headers mail clients (and our webmail) read. */
function spamHeaders(spam: SpamScore): string {
  const flagged = JUNK_ACTIONS.has(spam.action) || spam.action === 'reject';
  const score = spam.score.toFixed(2);
  return `X-Spam-Flag: ${flagged ? 'YES' : 'NO'}\r\nX-Spam-Score: ${score}\r\nX-Spam-Status: ${flagged ? 'Yes' : 'No'}, score=${score} action="${spam.action}"\r\n`;
}

/** The checks the configuration asks for; `dns` replaces the system's resolvers (tests). */
export function inboundChecksFromConfig(config: Pick<Config, 'hostname' | 'filter'>, logger: Logger, pool: WorkerPool, dns?: DnsResolver): InboundChecks {
  const { filter } = config;
  const resolver = dns ?? new CachingDnsResolver(systemDnsResolver(listSetting(filter.dnsServers)));
  return new InboundChecks({
    authenticator: filter.authentication
      ? new SenderAuthenticator({ resolver, hostname: config.hostname, timeoutMs: filter.authenticationTimeoutMs, pool })
      : null,
    rspamd: filter.rspamd.url ? new RspamdClient(filter.rspamd.url, filter.rspamd.timeoutMs) : null,
    rspamdUnavailable: filter.rspamd.whenUnavailable,
    enforceDmarc: filter.enforceDmarc,
    logger,
  });
}
