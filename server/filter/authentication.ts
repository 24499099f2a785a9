// Sender authentication of mail arriving at the MX: SPF for the peer and envelope sender,
// DKIM signatures, and the DMARC policy of the From domain, by mailauth. The result is an
// Authentication-Results header (RFC 8601) that is stored, encrypted, with the message, so the
// webmail and IMAP clients can show it, plus the DMARC verdict the MX may enforce. Runs on the
// message in memory, in a worker thread (authentication-task.ts); nothing of it is logged.
import { MessageChannel } from 'node:worker_threads';
import { mailauthResolver, type DnsResolver } from '../dns/resolver.ts';
import type { WorkerPool } from '../workers/pool.ts';
import type { AuthenticationTask, DnsQuestion, DnsReply } from './authentication-task.ts';

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
  pool: WorkerPool;
}

export class SenderAuthenticator {
  readonly #options: AuthenticatorOptions;
  readonly #resolve: ReturnType<typeof mailauthResolver>;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#resolve = mailauthResolver(options.resolver);
  }

  /** Runs mailauth in a worker thread, answering its DNS questions here. Past the timeout
   * the task is aborted (its thread ends) and the message is stored with temperror results. */
  async check(message: Uint8Array, envelope: ArrivalEnvelope): Promise<AuthenticationVerdict> {
    const { port1: questions, port2: workerSide } = new MessageChannel();
    questions.on('message', (question: DnsQuestion) => {
      this.#resolve(question.name, question.rrtype).then(
        (answer) => questions.postMessage({ id: question.id, answer } satisfies DnsReply),
        (error: Error & { code?: string }) =>
          questions.postMessage({ id: question.id, error: { code: error.code, message: error.message } } satisfies DnsReply),
      );
    });
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#options.timeoutMs);
    const task: AuthenticationTask = {
      message,
      ip: envelope.peerAddress,
      helo: envelope.helo,
      sender: envelope.mailFrom,
      hostname: this.#options.hostname,
      dns: workerSide,
    };
    try {
      const verdict = await this.#options.pool.run<AuthenticationVerdict | 'unparseable'>('authenticateSender', task, {
        transferList: [workerSide],
        signal: deadline.signal,
      });
      return verdict === 'unparseable' ? this.#unavailable('permerror', 'message could not be checked') : verdict;
    } catch (error) {
      if (deadline.signal.aborted) return this.#unavailable('temperror', 'checks timed out');
      throw error;
    } finally {
      clearTimeout(timer);
      questions.close();
    }
  }

  #unavailable(result: 'temperror' | 'permerror', reason: string): AuthenticationVerdict {
    const methods = ['dkim', 'spf', 'dmarc'].map((method) => `${method}=${result} (${reason})`).join(';\r\n ');
    return { headers: `Authentication-Results: ${this.#options.hostname};\r\n ${methods}\r\n`, dmarcFailure: null };
  }
}
