// SECURITY: the IMAP listeners face the internet. They trust nothing a client sends: every
// byte goes through the wire layer's bounded receiver, every command is checked against the
// session state, and abusive clients (endless bad commands, no login, floods) are
// disconnected. Nobody can log in without TLS: the plain port offers STARTTLS and refuses
// LOGIN and AUTHENTICATE before it (LOGINDISABLED); the other port is TLS from the first
// byte. Only app passwords unlock a session (never the account password); a session then
// holds its mailbox keys in its own memory and wipes them at LOGOUT or disconnect. A client
// can reach only the account it unlocked: every core call is made with that account's id.
// Client addresses are held in memory for login throttling only and are never logged or
// stored; logs carry session and account ids and outcomes.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SealpostCrypto } from '../../crypto/api.ts';
import { AppPasswordLogin } from '../auth/app-password-login.ts';
import { LoginThrottle } from '../auth/login-throttle.ts';
import type { Config } from '../config/schema.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { ConnectionGate } from '../listeners/connection-gate.ts';
import { listenGated } from '../listeners/gated-listener.ts';
import type { Logger } from '../log.ts';
import { ImapConnection } from './connection.ts';
import { FolderSnapshots } from './folder-snapshots.ts';
import { AccountConnections, type ImapServices } from './session.ts';

/** Every failed login is answered this long after it began: slower than any lookup, and a
 * client can try only a few secrets per second per connection. */
const LOGIN_FAILURE_DELAY_MS = 250;
/** How long a failed login counts against the client and the address. */
const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;
/** Time the connections get to say BYE when the server stops. */
const SHUTDOWN_GRACE_MS = 2000;

export interface ImapServerOptions {
  core: MailCore;
  crypto: SealpostCrypto;
  config: Pick<Config, 'imap' | 'limits' | 'clients'>;
  tls: { key: Buffer; cert: Buffer };
  logger: Logger;
  /** Admission of new sockets to both ports (the service's and per-client caps). */
  gate: ConnectionGate;
}

export interface RunningImapListener {
  port: number;
  close(): Promise<void>;
}

export interface ImapServer {
  listen(options: { host: string; port: number; implicitTls: boolean }): Promise<RunningImapListener>;
}

export function createImapServer(options: ImapServerOptions): ImapServer {
  const { config, logger } = options;
  const services: ImapServices = {
    core: options.core,
    crypto: options.crypto,
    logger,
    config: { limits: config.imap.limits, appendLimit: config.limits.messageMaxBytes, loginTimeoutMs: config.clients.loginTimeoutMs },
    login: new AppPasswordLogin(
      options.core,
      new LoginThrottle(
        {
          windowMs: LOGIN_FAILURE_WINDOW_MS,
          maxFailuresPerSource: config.imap.limits.loginFailuresPerClient,
        },
        options.core.clock,
      ),
      LOGIN_FAILURE_DELAY_MS,
      'imap',
    ),
    connections: new AccountConnections(),
    snapshots: new FolderSnapshots(options.core),
  };
  const secureContext = createSecureContext({ key: options.tls.key, cert: options.tls.cert });
  const open = new Set<ImapConnection>();

  const accept = (socket: Socket, implicitTls: boolean) => {
    socket.setNoDelay(true);
    const id = randomBytes(6).toString('hex');
    const connection = new ImapConnection({
      socket,
      implicitTls,
      secureContext,
      services,
      id,
      onClose: () => {
        open.delete(connection);
        logger.debug({ session: id }, 'imap: connection closed');
      },
    });
    open.add(connection);
    logger.debug({ session: id, tls: implicitTls }, 'imap: connection opened');
    connection.start();
  };

  return {
    async listen({ host, port, implicitTls }) {
      const listener = await listenGated({
        name: implicitTls ? 'imaps' : 'imap',
        host,
        port,
        gate: options.gate,
        logger,
        ...(implicitTls ? { tls: { key: options.tls.key, cert: options.tls.cert, handshakeTimeoutMs: config.clients.tlsHandshakeTimeoutMs } } : {}),
        refusalLine: (refusal) =>
          `* BYE ${refusal === 'service-full' ? 'Too many connections' : 'Too many connections from your address'}, try again later\r\n`,
        accept: (socket) => accept(socket, implicitTls),
      });
      return {
        port: listener.port,
        close: () =>
          listener.close(async () => {
            await Promise.race([
              Promise.all([...open].map((connection) => connection.shutdown('Server shutting down'))),
              new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
            ]);
          }),
      };
    },
  };
}
