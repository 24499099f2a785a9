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
import { createServer as createPlainServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import { AppPasswordLogin } from '../auth/app-password-login.ts';
import { LoginThrottle, throttleSourceOf } from '../auth/login-throttle.ts';
import type { Config } from '../config/schema.ts';
import type { MailCore } from '../core/mail-core.ts';
import { bindListener } from '../listeners/bind.ts';
import type { Logger } from '../log.ts';
import { Pop3Connection, type ConnectionOptions } from './connection.ts';
import { MailboxLocks } from './mailbox-locks.ts';
import { errLine } from './proto/index.ts';

export interface Pop3ServiceOptions {
  core: MailCore;
  config: Config['pop3'];
  tls: { key: string | Buffer; cert: string | Buffer };
  logger: Logger;
}

export interface Pop3Listener {
  port: number;
  close(): Promise<void>;
}

/** A TLS handshake is a few round trips; this covers slow links and bounds half-open ones. */
const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

/** Both POP3 listeners share one service: the mailbox locks, the login throttle and the
 * connection limit hold across ports. */
export class Pop3Service {
  readonly #options: Pop3ServiceOptions;
  readonly #locks = new MailboxLocks();
  readonly #login: AppPasswordLogin;
  /** Open sockets of both listeners. */
  #sockets = 0;

  constructor(options: Pop3ServiceOptions) {
    this.#options = options;
    const { config, core } = options;
    const throttle = new LoginThrottle(
      { windowMs: config.authFailureWindowMs, maxFailuresPerSource: config.authMaxFailuresPerSource, maxFailuresPerAccount: config.authMaxFailuresPerAccount },
      core.clock,
    );
    this.#login = new AppPasswordLogin(core, throttle, config.authFailureDelayMs, 'pop3');
  }

  async listen(mode: 'starttls' | 'implicit', host: string, port: number): Promise<Pop3Listener> {
    const { config, logger, tls } = this.#options;
    const open = new Set<Pop3Connection>();
    const connectionOptions: Omit<ConnectionOptions, 'session'> = {
      ...(mode === 'starttls' ? { startTlsContext: createSecureContext({ key: tls.key, cert: tls.cert }) } : {}),
      maxLineLength: config.maxLineLength,
      idleTimeoutMs: config.idleTimeoutMs,
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
          source: throttleSourceOf(socket.remoteAddress),
        },
      });
      open.add(connection);
      void connection.finished.then(() => open.delete(connection));
    };
    // Every socket is counted from its first byte, TLS handshakes included, so that the limit
    // holds against a flood of handshakes, and so that close() can end them all.
    const sockets = new Set<Socket>();
    const admit = (socket: Socket): boolean => {
      socket.on('error', () => undefined); // reported by the connection; never unhandled
      if (this.#sockets >= config.maxConnections) {
        // In clear a client can be told why; in a TLS handshake it can only be dropped.
        if (mode === 'starttls') socket.end(errLine('Too many connections, try again later', 'SYS/TEMP'), () => socket.destroy());
        else socket.destroy();
        return false;
      }
      this.#sockets += 1;
      sockets.add(socket);
      socket.once('close', () => {
        this.#sockets -= 1;
        sockets.delete(socket);
      });
      return true;
    };
    const server: Server =
      mode === 'implicit'
        ? createTlsServer({ key: tls.key, cert: tls.cert, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS })
            .on('connection', admit)
            .on('secureConnection', accept)
            // The error text may name the peer: only its code is logged.
            .on('tlsClientError', (error: NodeJS.ErrnoException) => logger.debug({ code: error.code }, 'pop3s: TLS handshake failed'))
        : createPlainServer().on('connection', (socket: Socket) => {
            if (admit(socket)) accept(socket);
          });
    const boundPort = await bindListener(server, port, host);
    return {
      port: boundPort,
      close: async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...open].map((connection) => connection.shutdown()));
        for (const socket of sockets) socket.destroy();
        await stopped;
      },
    };
  }
}
