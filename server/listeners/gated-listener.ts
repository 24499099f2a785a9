// The one way a front-end takes connections: a plain listening socket whose connections pass
// the service's ConnectionGate before any protocol (or TLS) work is spent on them, then go
// to the front-end, TLS-wrapped first on implicit-TLS ports. Refusing before the handshake
// keeps a flood cheap; counting from the first byte makes the caps hold against a flood of
// handshakes too.
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../log.ts';
import { bindListener } from './bind.ts';
import type { ConnectionGate, Refusal } from './connection-gate.ts';

export interface GatedListenerOptions {
  /** For log lines: 'imap', 'pop3s'… */
  name: string;
  host: string;
  port: number;
  gate: ConnectionGate;
  logger: Logger;
  /** Implicit TLS: the listener completes the handshake within handshakeTimeoutMs, then hands
   * over the TLS socket. Without it the front-end gets the raw socket (STARTTLS ports, and
   * the web, whose HTTPS server does its own TLS). */
  tls?: { key: Buffer; cert: Buffer; handshakeTimeoutMs: number };
  /** What a refused client is told on a plaintext port (a TLS port can only drop it). */
  refusalLine?(refusal: Refusal): string;
  accept(socket: Socket | TLSSocket): void;
}

export interface GatedListener {
  port: number;
  /** Stops taking connections, lets the front-end end its sessions (endSessions: BYE,
   * 421…), then destroys what is left (handshakes still running, sockets never taken). */
  close(endSessions?: () => Promise<void>): Promise<void>;
}

export async function listenGated(options: GatedListenerOptions): Promise<GatedListener> {
  const { gate, logger, name } = options;
  const tlsServer = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert, handshakeTimeout: options.tls.handshakeTimeoutMs }, (socket) => options.accept(socket))
        // The error text may name the peer: only its code is logged.
        .on('tlsClientError', (error: NodeJS.ErrnoException) => logger.debug({ code: error.code }, `${name}: TLS handshake failed`))
    : undefined;
  const sockets = new Set<Socket>();
  let refusedSinceLog = 0;
  const server = createServer((socket) => {
    socket.on('error', () => undefined); // reported by the front-end once it has the socket
    const admission = gate.admit(socket.remoteAddress);
    if (!admission.admitted) {
      refusedSinceLog += 1;
      if (refusedSinceLog === 1) logger.info({ refusal: admission.refusal }, `${name}: connection refused by the connection limits`);
      const line = options.tls ? undefined : options.refusalLine?.(admission.refusal);
      if (line) socket.end(line, () => socket.destroy());
      else socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => {
      admission.release();
      sockets.delete(socket);
    });
    if (tlsServer) tlsServer.emit('connection', socket);
    else options.accept(socket);
  });
  // One line per burst of refusals, not one per socket: a flood must not flood the log.
  const quietLog = setInterval(() => {
    refusedSinceLog = 0;
  }, 60_000);
  quietLog.unref();
  server.on('error', (error: NodeJS.ErrnoException) => logger.error({ code: error.code }, `${name}: listener error`));
  const port = await bindListener(server, options.port, options.host);
  return {
    port,
    close: async (endSessions) => {
      clearInterval(quietLog);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await endSessions?.();
      for (const socket of sockets) socket.destroy();
      await stopped;
    },
  };
}
