// Puts an smtp-server behind the gated listener (server/listeners/gated-listener.ts): the
// SMTPServer never listens itself; admitted sockets (TLS-wrapped on an implicit-TLS port,
// which the SMTPServer is then told with `secured`) are handed to its connection handler.
import type { SMTPServer } from 'smtp-server';
import type { RunningListener } from '../listeners/bind.ts';
import type { ConnectionGate } from '../listeners/connection-gate.ts';
import { listenGated } from '../listeners/gated-listener.ts';
import type { Logger } from '../log.ts';

export interface SmtpListenOptions {
  name: string;
  host: string;
  port: number;
  gate: ConnectionGate;
  logger: Logger;
  /** Named in the 421 a refused client gets. */
  hostname: string;
  /** Implicit TLS: the SMTPServer must have been made with `secure: true, secured: true`. */
  tls?: { key: Buffer; cert: Buffer; handshakeTimeoutMs: number };
}

/** How often shutdown looks whether the sessions smtp-server is ending have gone. */
const SHUTDOWN_POLL_MS = 50;

export async function listenSmtp(server: SMTPServer, options: SmtpListenOptions): Promise<RunningListener> {
  const listener = await listenGated({
    ...options,
    refusalLine: (refusal) =>
      `421 4.7.0 ${options.hostname} ${refusal === 'service-full' ? 'Too many connected clients' : 'Too many connections from your address'}, try again later\r\n`,
    accept: (socket) => server.server.emit('connection', socket),
  });
  return {
    port: listener.port,
    // smtp-server lets running transactions finish, and says 421 to what is left after its
    // closeTimeout; the sockets go once it has dropped them all.
    close: () =>
      listener.close(async () => {
        server.close();
        while (server.connections.size > 0) await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_POLL_MS));
      }),
  };
}
