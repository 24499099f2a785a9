// Sender authentication of mail arriving at the MX: SPF for the peer and envelope sender,
// DKIM signatures, and the DMARC policy of the From domain, by mailauth. The result is an
// Authentication-Results header (RFC 8601) that is stored, encrypted, with the message, so the
// webmail and IMAP clients can show it, plus the DMARC verdict the MX may enforce. Runs on the
// message in memory; nothing of it is logged.
import { authenticate } from 'mailauth';
import { mailauthResolver, type DnsResolver } from '../dns/resolver.ts';

/** What the MX knows of the peer and the envelope. The peer is another mail server. */
export interface ArrivalEnvelope {
  peerAddress: string;
  helo: string;
  /** MAIL FROM; empty for bounces (the null reverse-path). */
  mailFrom: string;
  recipients: string[];
  queueId: string;
}

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface AuthenticationVerdict {
  /** Authentication-Results and Received-SPF, CRLF-terminated, to prepend. */
  headers: string;
  /** The failed DMARC check of the From domain and its published policy; null unless
   * DMARC ran and failed. */
  dmarcFailure: { domain: string; policy: DmarcPolicy } | null;
}

export interface AuthenticatorOptions {
  resolver: DnsResolver;
  /** The authserv-id of the header: this server's host name. */
  hostname: string;
  /** Past this the message is stored with temperror results: a sender waits for the reply
   * to its final dot, and a dead DNS server must not hold every delivery. */
  timeoutMs: number;
}

/** RFC 8301 section 3.2: verifiers must accept 1024-bit keys and may refuse shorter ones. */
const MIN_DKIM_KEY_BITS = 1024;
const DMARC_POLICIES: ReadonlySet<string> = new Set(['none', 'quarantine', 'reject']);

export class SenderAuthenticator {
  readonly #options: AuthenticatorOptions;
  readonly #resolve: ReturnType<typeof mailauthResolver>;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#resolve = mailauthResolver(options.resolver);
  }

  async check(message: Buffer, envelope: ArrivalEnvelope): Promise<AuthenticationVerdict> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.#options.timeoutMs);
    });
    try {
      const result = await Promise.race([this.#authenticate(message, envelope), deadline]);
      return result ?? this.#unavailable('temperror', 'checks timed out');
    } finally {
      clearTimeout(timer);
    }
  }

  async #authenticate(message: Buffer, envelope: ArrivalEnvelope): Promise<AuthenticationVerdict> {
    try {
      const result = await authenticate(message, {
        ip: envelope.peerAddress,
        helo: envelope.helo,
        sender: envelope.mailFrom,
        mta: this.#options.hostname,
        resolver: this.#resolve,
        minBitLength: MIN_DKIM_KEY_BITS,
        // A seal needs our own ARC key; verifying only would change no decision here.
        disableArc: true,
        // BIMI logos are fetched from the sender's web server: a request per message that
        // tells the sender when mail was read is exactly what the webmail blocks.
        disableBimi: true,
        trustReceived: false,
      });
      const dmarc = result.dmarc;
      const failed = dmarc && dmarc.status?.result === 'fail';
      const policy = failed && typeof dmarc.policy === 'string' && DMARC_POLICIES.has(dmarc.policy) ? (dmarc.policy as DmarcPolicy) : 'none';
      return {
        headers: result.headers,
        dmarcFailure: failed ? { domain: String(dmarc.domain ?? ''), policy } : null,
      };
    } catch {
      // mailauth parses hostile input; a failure there must not lose the message.
      return this.#unavailable('permerror', 'message could not be checked');
    }
  }

  #unavailable(result: 'temperror' | 'permerror', reason: string): AuthenticationVerdict {
    const methods = ['dkim', 'spf', 'dmarc'].map((method) => `${method}=${result} (${reason})`).join(';\r\n ');
    return { headers: `Authentication-Results: ${this.#options.hostname};\r\n ${methods}\r\n`, dmarcFailure: null };
  }
}
