// One SMTP client connection to a remote mail server, on nodemailer's SMTPConnection, turned
// into promises and outcomes per recipient. STARTTLS is always attempted: opportunistically
// (RFC 7435: any certificate, and a peer whose TLS handshake fails is retried once in
// plaintext), or required with a certificate valid for the MX name (MTA-STS enforce).
import type { Readable } from 'node:stream';
import { isIP } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { DeliveryRoute } from './routes.ts';
import { DeliveryFailure, oneLine } from './failure.ts';

export interface ClientTimeouts {
  connectTimeoutMs: number;
  greetingTimeoutMs: number;
  socketTimeoutMs: number;
}

export interface ConnectRequest {
  route: DeliveryRoute;
  address: string;
  heloName: string;
  timeouts: ClientTimeouts;
  /** MTA-STS enforce: TLS with a certificate valid for route.host, or no delivery. */
  requireValidTls: boolean;
  /** Extra trust anchors for certificate checks (tests use their own CA). */
  trustedCa?: SecureContextOptions['ca'];
}

export type RecipientResult = { recipient: string; accepted: true; response: string } | { recipient: string; accepted: false; failure: DeliveryFailure };

interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  rejectedErrors?: SmtpError[];
  recipient?: string;
  command?: string;
  timeoutType?: string;
}

export class RemoteSmtp {
  readonly #connection: SMTPConnection;
  readonly host: string;
  readonly address: string;
  #broken = false;

  private constructor(connection: SMTPConnection, host: string, address: string) {
    this.#connection = connection;
    this.host = host;
    this.address = address;
    connection.on('error', () => {
      this.#broken = true;
    });
    connection.on('end', () => {
      this.#broken = true;
    });
  }

  /** How the delivery log names the peer. */
  get remote(): string {
    return describePeer(this.host, this.address);
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  get usable(): boolean {
    return !this.#broken;
  }

  /** Opens a session; throws a DeliveryFailure (always temporary: another MX or a later
   * attempt may succeed). */
  static async connect(request: ConnectRequest): Promise<RemoteSmtp> {
    const remote = describePeer(request.route.host, request.address);
    try {
      return await RemoteSmtp.#open(request, request.requireValidTls ? 'required' : 'opportunistic');
    } catch (error) {
      // RFC 7435: a peer that offers STARTTLS but cannot finish a handshake still gets mail,
      // unencrypted, unless a policy demands TLS.
      if (request.requireValidTls || (error as SmtpError).code !== 'ETLS') throw connectionFailure(error as SmtpError, remote, request.requireValidTls);
    }
    try {
      return await RemoteSmtp.#open(request, 'off');
    } catch (error) {
      throw connectionFailure(error as SmtpError, remote, false);
    }
  }

  static #open(request: ConnectRequest, tls: 'required' | 'opportunistic' | 'off'): Promise<RemoteSmtp> {
    const { route, address, timeouts } = request;
    const connection = new SMTPConnection({
      host: address,
      port: route.port,
      secure: false,
      servername: isIP(route.host) ? undefined : route.host,
      name: request.heloName,
      requireTLS: tls === 'required',
      opportunisticTLS: tls === 'opportunistic',
      ignoreTLS: tls === 'off',
      tls: tls === 'required' ? { rejectUnauthorized: true, ca: request.trustedCa } : { rejectUnauthorized: false },
      connectionTimeout: timeouts.connectTimeoutMs,
      greetingTimeout: timeouts.greetingTimeoutMs,
      socketTimeout: timeouts.socketTimeoutMs,
      // Closed connections are torn down at once, not after a 5 s grace for the peer.
      socketCloseTimeout: 0,
      logger: false,
    });
    const remote = new RemoteSmtp(connection, route.host, address);
    return new Promise((resolve, reject) => {
      // nodemailer reports most failures while connecting (timeouts, a bad greeting) as an
      // 'error' event rather than through the connect callback.
      const fail = (error: unknown) => {
        connection.close();
        reject(error);
      };
      connection.once('error', fail);
      connection.connect((error) => {
        connection.off('error', fail);
        if (error) fail(error);
        else resolve(remote);
      });
    });
  }

  /** Sends one message to some recipients; returns an outcome for every recipient. A failure
   * that ends the connection marks it unusable; the outcome is then temporary for all. */
  async send(from: string, recipients: string[], content: Readable, size: number): Promise<RecipientResult[]> {
    let onEnd: (() => void) | undefined;
    try {
      const info = await new Promise<{ accepted: string[]; rejectedErrors?: SmtpError[]; response: string }>((resolve, reject) => {
        // A connection closed under a transaction (shutdown) never calls the send back. On a
        // failure nodemailer ends the connection first and reports the cause right after:
        // the cause, when it comes, is the reason given.
        onEnd = () => setImmediate(() => reject(Object.assign(new Error('the connection was closed'), { code: 'ECONNECTION' })));
        this.#connection.once('end', onEnd);
        this.#connection.send({ from: from || false, to: recipients, size }, content, (error, result) => (error ? reject(error) : resolve(result!)));
      });
      return recipients.map((recipient) => {
        const rejected = info.rejectedErrors?.find((error) => error.recipient === recipient);
        if (rejected) return { recipient, accepted: false, failure: replyFailure(rejected, this.remote) };
        return { recipient, accepted: true, response: oneLine(info.response) };
      });
    } catch (caught) {
      const error = caught as SmtpError;
      content.destroy();
      if (!error.responseCode || error.code === 'ECONNECTION' || error.code === 'ETIMEDOUT' || error.code === 'ESOCKET') {
        this.#broken = true;
        const failure = DeliveryFailure.temporary(
          '4.4.2',
          `connection to ${this.remote} broke during the transaction (${describe(error)})`,
          error.response ? oneLine(error.response) : null,
        );
        return recipients.map((recipient) => ({ recipient, accepted: false, failure }));
      }
      // The server refused (part of) the transaction: end it before the next one.
      await this.#reset();
      return recipients.map((recipient) => {
        const own = error.rejectedErrors?.find((rejected) => rejected.recipient === recipient);
        return { recipient, accepted: false, failure: replyFailure(own ?? error, this.remote) };
      });
    } finally {
      if (onEnd) this.#connection.off('end', onEnd);
    }
  }

  /** RSET; a connection that cannot do it is not used again. */
  async #reset(): Promise<void> {
    if (this.#broken) return;
    await new Promise<void>((resolve) =>
      this.#connection.reset((error) => {
        if (error) this.#broken = true;
        resolve();
      }),
    );
  }

  /** Ends the session politely (QUIT). */
  close(): void {
    this.#broken = true;
    this.#connection.quit();
  }

  /** Drops the connection at once, whatever is in flight (shutdown). */
  abort(): void {
    this.#broken = true;
    this.#connection.close();
  }
}

/** "mx.example.org [192.0.2.1]", or "[192.0.2.1]" for a route given as an address. */
function describePeer(host: string, address: string): string {
  return host === address ? `[${address}]` : `${host} [${address}]`;
}

function replyFailure(error: SmtpError, remote: string): DeliveryFailure {
  if (error.response) return DeliveryFailure.fromReply(error.response, `${remote} answered ${error.command ?? 'the transaction'}`);
  return DeliveryFailure.temporary('4.4.2', `${remote}: ${describe(error)}`);
}

function connectionFailure(error: SmtpError, remote: string, tlsRequired: boolean): DeliveryFailure {
  if (tlsRequired && isTlsFailure(error)) {
    return DeliveryFailure.temporary('4.7.5', `${remote} offers no valid TLS, which the domain's MTA-STS policy requires (${describe(error)})`);
  }
  // A 5xx greeting means "no service here" (RFC 5321 section 3.1), not a verdict on the
  // message: another MX, or a later attempt, may take it.
  if (error.response) return DeliveryFailure.temporary('4.4.1', `${remote} refused the session: ${oneLine(error.response)}`, oneLine(error.response));
  return DeliveryFailure.temporary('4.4.1', `connection to ${remote} failed (${describe(error)})`);
}

/** A failed or refused TLS handshake, or a certificate that does not check out. */
function isTlsFailure(error: SmtpError & { originalCode?: string }): boolean {
  const codes = [error.code, error.originalCode].filter(Boolean).join(' ');
  return /\bETLS\b|ERR_TLS|CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(codes) || /STARTTLS|certificate|altnames/i.test(error.message);
}

function describe(error: SmtpError): string {
  if (error.timeoutType === 'GREETING_TIMEOUT') return 'no greeting in time';
  if (error.timeoutType === 'CONNECT_TIMEOUT') return 'connect timed out';
  if (error.code === 'ETIMEDOUT') return 'timed out';
  return oneLine(error.message || String(error.code ?? 'error'));
}
