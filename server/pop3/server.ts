// SECURITY: the POP3 listeners face the whole internet ('pop3' with STLS, 'pop3s' with
// implicit TLS). They trust nothing a client sends: every byte goes through the bounded
// framing and the parser of ./proto, every command is checked against the session's state,
// and limits (line length, lines before login, bad commands in a row, idle time,
// connections) end abusive connections. Logging in needs an encrypted connection and an
// app password; the account password is never accepted.
// What they hold: per logged-in session, the mailbox keys an app password unlocked, in that
// session's memory only, wiped at QUIT or disconnect; one lock per mailbox; failed-login
// counts per client address and per account address. All of it is in memory, none of it is
// logged, and the client's address is used for nothing but that count.
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { AppPasswordLogin } from '../auth/app-password-login.ts';
import { LoginThrottle } from '../auth/login-throttle.ts';
import { clientSourceOf } from '../listeners/client-source.ts';
import type { Config } from '../config/schema.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { ConnectionGate } from '../listeners/connection-gate.ts';
import { listenGated } from '../listeners/gated-listener.ts';
import type { Logger } from '../log.ts';
import { Pop3Connection, type ConnectionOptions } from './connection.ts';
import { MailboxLocks } from './mailbox-locks.ts';
import { errLine } from './proto/index.ts';

export interface Pop3ServiceOptions {
  core: MailCore;
  config: Config['pop3'];
  clients: Config['clients'];
  tls: { key: Buffer; cert: Buffer };
  logger: Logger;
  /** Admission of new sockets to both ports (the service's and per-client caps). */
  gate: ConnectionGate;
}

export interface Pop3Listener {
  port: number;
  close(): Promise<void>;
}

/** Both POP3 listeners share one service: the mailbox locks, the login throttle and the
 * connection limits hold across ports. */
export class Pop3Service {
  readonly #options: Pop3ServiceOptions;
  readonly #locks = new MailboxLocks();
  readonly #login: AppPasswordLogin;

  constructor(options: Pop3ServiceOptions) {
    this.#options = options;
    const { config, core } = options;
    const throttle = new LoginThrottle({ windowMs: config.authFailureWindowMs, maxFailuresPerSource: config.authMaxFailuresPerSource }, core.clock);
    this.#login = new AppPasswordLogin(core, throttle, config.authFailureDelayMs, 'pop3');
  }

  async listen(mode: 'starttls' | 'implicit', host: string, port: number): Promise<Pop3Listener> {
    const { config, clients, logger, tls } = this.#options;
    const open = new Set<Pop3Connection>();
    const connectionOptions: Omit<ConnectionOptions, 'session'> = {
      ...(mode === 'starttls' ? { startTlsContext: createSecureContext({ key: tls.key, cert: tls.cert }) } : {}),
      maxLineLength: config.maxLineLength,
      idleTimeoutMs: config.idleTimeoutMs,
      loginTimeoutMs: clients.loginTimeoutMs,
      logger,
    };
    const accept = (socket: Socket) => {
      socket.setNoDelay(true); // replies are small and each one is awaited by the client
      const connection = new Pop3Connection(socket, mode === 'implicit', {
        ...connectionOptions,
        session: {
          core: this.#options.core,
          login: this.#login,
          locks: this.#locks,
          maxCommandsBeforeAuth: config.maxCommandsBeforeAuth,
          source: clientSourceOf(socket.remoteAddress),
        },
      });
      open.add(connection);
      void connection.finished.then(() => open.delete(connection));
    };
    const listener = await listenGated({
      name: mode === 'implicit' ? 'pop3s' : 'pop3',
      host,
      port,
      gate: this.#options.gate,
      logger,
      ...(mode === 'implicit' ? { tls: { key: tls.key, cert: tls.cert, handshakeTimeoutMs: clients.tlsHandshakeTimeoutMs } } : {}),
      refusalLine: (refusal) =>
        errLine(refusal === 'service-full' ? 'Too many connections, try again later' : 'Too many connections from your address, try again later', 'SYS/TEMP'),
      accept,
    });
    return {
      port: listener.port,
      close: () => listener.close(async () => void (await Promise.all([...open].map((connection) => connection.shutdown())))),
    };
  }
}
