// Joins a socket to a POP3 session: frames input into lines, runs them one at a time in
// order, applies back-pressure both ways, switches to TLS on STLS, and ends the session
// when the connection goes (idle timeout, client gone, shutdown).
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from '../log.ts';
import { errLine, LineReader, type LineEvent } from './proto/index.ts';
import { Pop3Session, TransportClosedError, type Pop3SessionOptions, type Pop3Transport } from './session.ts';

export interface ConnectionOptions {
  /** Present on the STLS port: the context to upgrade with. Absent on the implicit-TLS port. */
  startTlsContext?: SecureContext;
  maxLineLength: number;
  idleTimeoutMs: number;
  /** A client not logged in this long after it connected is disconnected (clients.loginTimeoutMs). */
  loginTimeoutMs: number;
  logger: Logger;
  session: Omit<Pop3SessionOptions, 'id' | 'logger'>;
}

/** Lines read ahead of the command being run before reading pauses: deep enough for any
 * pipelining client (a batch of LIST/UIDL/RETR), and it bounds memory at this many lines
 * of maxLineLength. Reading resumes when half of them are done. */
const MAX_QUEUED_LINES = 64;
/** After the last reply, how long a client gets to close its side before the socket is
 * destroyed; ending first lets queued output and the TLS close_notify reach it. */
const CLOSE_GRACE_MS = 2000;

export class Pop3Connection implements Pop3Transport {
  readonly #options: ConnectionOptions;
  readonly #reader: LineReader;
  readonly #session: Pop3Session;
  readonly #id = randomBytes(6).toString('hex');
  #socket: Socket;
  #secure: boolean;
  #queue: LineEvent[] = [];
  #running: Promise<void> | undefined;
  #upgrading = false;
  #closing = false;
  #closed = false;
  readonly #finished: Promise<void>;
  #resolveFinished!: () => void;
  readonly #loginDeadline: NodeJS.Timeout;

  constructor(socket: Socket, secure: boolean, options: ConnectionOptions) {
    this.#socket = socket;
    this.#secure = secure;
    this.#options = options;
    this.#reader = new LineReader(options.maxLineLength);
    this.#session = new Pop3Session(this, { ...options.session, id: this.#id, logger: options.logger });
    this.#finished = new Promise((resolve) => (this.#resolveFinished = resolve));
    this.#attach(socket);
    this.#loginDeadline = setTimeout(() => {
      if (!this.#session.loggedIn) this.#disconnect(this.#socket, 'Login timeout');
    }, options.loginTimeoutMs);
    this.#loginDeadline.unref();
    options.logger.debug({ session: this.#id, tls: secure }, 'pop3: connection opened');
    this.#running = this.#run(() => this.#session.greet());
  }

  /** Resolves once the session has ended (keys wiped, mailbox unlocked). */
  get finished(): Promise<void> {
    return this.#finished;
  }

  get secure(): boolean {
    return this.#secure;
  }

  get canStartTls(): boolean {
    return !this.#secure && this.#options.startTlsContext !== undefined;
  }

  write(data: string | Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (this.#closed || !socket.writable) return Promise.reject(new TransportClosedError());
    return new Promise((resolve, reject) => {
      socket.write(data, (error) => (error ? reject(new TransportClosedError()) : resolve()));
    });
  }

  async startTls(): Promise<void> {
    const context = this.#options.startTlsContext;
    if (!context || this.#secure) throw new Error('STLS is not possible on this connection');
    const plain = this.#socket;
    // What the client sent after STLS in clear is dropped, never run inside TLS.
    plain.removeAllListeners('data');
    plain.setTimeout(0);
    this.#queue = [];
    this.#reader.reset();
    this.#upgrading = true;
    const secured = new TLSSocket(plain, { isServer: true, secureContext: context });
    this.#attach(secured);
    try {
      await new Promise<void>((resolve, reject) => {
        secured.once('secure', resolve);
        secured.once('error', reject);
        secured.once('close', () => reject(new TransportClosedError()));
        plain.once('close', () => reject(new TransportClosedError()));
      });
    } catch {
      secured.destroy();
      throw new TransportClosedError();
    } finally {
      this.#upgrading = false;
    }
    this.#socket = secured;
    this.#secure = true;
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    const socket = this.#socket;
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Server shutdown: tells an idle client why, then drops the connection. */
  shutdown(): Promise<void> {
    const socket = this.#socket;
    if (!this.#closing && !this.#closed && !this.#running && socket.writable) {
      this.#closing = true;
      socket.end(errLine('Server shutting down', 'SYS/TEMP'), () => socket.destroy());
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    } else {
      socket.destroy();
    }
    return this.#finished;
  }

  #attach(socket: Socket): void {
    socket.setTimeout(this.#options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('timeout', () => this.#onIdle(socket));
    // Socket errors name the peer in their text: only the code is logged.
    socket.on('error', (error: NodeJS.ErrnoException) => this.#options.logger.debug({ session: this.#id, code: error.code }, 'pop3: connection error'));
    socket.once('close', () => void this.#onClose());
  }

  #onData(chunk: Buffer): void {
    if (this.#closing || this.#closed) return;
    this.#queue.push(...this.#reader.push(chunk));
    if (this.#queue.length >= MAX_QUEUED_LINES) this.#socket.pause();
    if (!this.#running && this.#queue.length > 0) this.#running = this.#run();
  }

  #onIdle(socket: Socket): void {
    this.#disconnect(socket, 'Disconnected for inactivity');
  }

  #disconnect(socket: Socket, reason: string): void {
    if (this.#upgrading || this.#running || this.#closing) {
      // Mid-handshake, stalled on a client that stopped reading, or already saying goodbye.
      socket.destroy();
      return;
    }
    this.#closing = true;
    socket.end(errLine(reason));
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Runs queued lines one at a time until none is left; `first` runs before them. */
  async #run(first?: () => Promise<void>): Promise<void> {
    try {
      if (first) await first();
      for (let event = this.#queue.shift(); event && !this.#closing && !this.#closed; event = this.#queue.shift()) {
        await this.#session.handle(event);
        if (this.#session.loggedIn) clearTimeout(this.#loginDeadline);
        if (this.#queue.length <= MAX_QUEUED_LINES / 2 && this.#socket.isPaused()) this.#socket.resume();
      }
    } catch (error) {
      if (!(error instanceof TransportClosedError)) this.#options.logger.error({ session: this.#id, err: error }, 'pop3: session failed');
      this.#socket.destroy();
    } finally {
      this.#running = undefined;
    }
  }

  async #onClose(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#loginDeadline);
    this.#queue = [];
    await this.#running;
    try {
      await this.#session.end();
    } catch (error) {
      this.#options.logger.error({ session: this.#id, err: error }, 'pop3: ending a session failed');
    } finally {
      this.#resolveFinished();
    }
  }
}
