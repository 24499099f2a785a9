// One client connection: bytes in through the wire layer's Receiver, commands run one at a
// time in order (a pipelining client still gets its answers in order), responses out
// through the serialiser with the client's reading speed respected. It also performs what
// only the transport can: STARTTLS, COMPRESS=DEFLATE, IDLE, the SASL exchange, APPEND
// streaming, timeouts and disconnecting abusive clients.
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import zlib from 'node:zlib';
import { clientSourceOf } from '../listeners/client-source.ts';
import { appendCommand } from './proto/commands/append.ts';
import {
  ProtoError,
  Receiver,
  chunkBytes,
  requestUsesSequenceNumbers,
  responseForError,
  serializeResponse,
  type CommandSpec,
  type ReceiverEvent,
  type Request,
  type Response,
} from './proto/index.ts';
import { capabilities } from './capabilities.ts';
import type { CommandContext, CommandOutcome, CommandResult } from './command.ts';
import { beginAppend, type AppendUpload } from './commands/append.ts';
import { handlerFor } from './commands/index.ts';
import { resultForError } from './errors.ts';
import { Session, type ImapServices } from './session.ts';

/** Consecutive BAD answers before the connection is closed: a real client sends few. */
const MAX_BAD_COMMANDS = 20;
/** Commands before a successful login: enough for CAPABILITY/ID/STARTTLS and a few tries. */
const MAX_COMMANDS_BEFORE_LOGIN = 50;
/** Received bytes held unprocessed before the socket is paused, and when it resumes. */
const INPUT_HIGH_WATER = 1024 * 1024;
const INPUT_LOW_WATER = 256 * 1024;
/** Response bytes gathered before they are written out. */
const OUTPUT_BATCH = 64 * 1024;
/** Deflate state of COMPRESS: a 4 KiB window and small hash tables keep an idle
 * compressed session near 20 KiB instead of the 256 KiB of zlib's defaults; any client's
 * inflater (window up to 32 KiB) reads it. */
const DEFLATE_OPTIONS: zlib.ZlibOptions = { windowBits: 12, memLevel: 4, level: 6 };

/** Commands after which the old view is gone or brand new: nothing of it to announce. */
const VIEW_CHANGING_COMMANDS = new Set(['SELECT', 'EXAMINE', 'CLOSE', 'UNSELECT', 'LOGOUT']);

export interface ConnectionOptions {
  socket: Socket;
  /** The socket is already TLS (the implicit-TLS listener). */
  implicitTls: boolean;
  secureContext: SecureContext;
  services: ImapServices;
  id: string;
  onClose(): void;
}

export class ImapConnection {
  readonly #options: ConnectionOptions;
  #socket: Socket;
  readonly #receiver: Receiver;
  readonly #session: Session;
  #output: Uint8Array[] = [];
  #outputBytes = 0;
  #deflate: zlib.DeflateRaw | undefined;
  #inflate: zlib.InflateRaw | undefined;
  #chain: Promise<void> = Promise.resolve();
  #pumping = false;
  #paused = false;
  #closed = false;
  #idleTag: string | undefined;
  #idleScheduled = false;
  #auth: { tag: string; respond(data: Uint8Array): Promise<CommandResult> } | undefined;
  #append: { tag: string; upload: AppendUpload } | undefined;
  #badCommands = 0;
  #commandsBeforeLogin = 0;
  #utf8Accept = false;
  /** Armed at the greeting, cleared at login: a client at work logs in at once, and one that
   * keeps sending NOOPs without logging in only holds a slot. */
  #loginDeadline: NodeJS.Timeout | undefined;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#socket = options.socket;
    const { services } = options;
    this.#receiver = new Receiver({
      maxLineLength: services.config.limits.maxLineLength,
      maxLiteralSize: services.config.limits.maxLiteralSize,
      // Slightly above APPENDLIMIT so that the session's exact check answers NO [TOOBIG].
      maxAppendSize: services.config.appendLimit + 1,
      maxNonSynchronisingLiteral: 4096,
    });
    this.#session = new Session({
      id: options.id,
      services,
      // Held in memory for the login throttle only; never logged, never stored.
      loginSource: clientSourceOf(options.socket.remoteAddress),
      secure: options.implicitTls,
      starttlsOffered: !options.implicitTls,
    });
    this.#session.onMustClose = () => {
      void this.#serial(async () => {
        if (this.#closed || !this.#session.mustClose) return;
        await this.#bye(this.#session.mustClose);
        this.#socket.destroy();
      });
    };
  }

  start(): void {
    this.#attach(this.#socket);
    this.#loginDeadline = setTimeout(
      () =>
        void this.#serial(async () => {
          // A login that was running when the time came has made it.
          if (this.#session.state === 'not-authenticated') await this.#bye('Login timeout');
        }),
      this.#options.services.config.loginTimeoutMs,
    );
    this.#loginDeadline.unref();
    void this.#serial(async () => {
      await this.#send({ type: 'status', status: 'OK', code: { code: 'CAPABILITY', capabilities: capabilities(this.#session) }, text: 'Sealpost IMAP ready' });
      await this.#flush();
    });
  }

  /** Ends the connection with a BYE and drops it (server shutdown). */
  async shutdown(text: string): Promise<void> {
    await this.#serial(() => this.#bye(text));
    this.#terminate();
    this.#socket.destroy();
  }

  // ---- input -----------------------------------------------------------------------------

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('timeout', this.#onTimeout);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('timeout', this.#onTimeout);
    socket.off('error', this.#onError);
    socket.off('close', this.#onClose);
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#inflate) this.#inflate.write(chunk);
    else this.#feed(chunk);
  };

  readonly #onTimeout = (): void => {
    void this.#serial(() => this.#bye('Autologout; idle for too long'));
  };

  readonly #onError = (error: Error & { code?: string }): void => {
    // Socket errors (resets, TLS alerts) carry no client data worth keeping; the code says enough.
    this.#session.logger.debug({ session: this.#session.id, code: error.code }, 'imap: connection error');
    this.#terminate();
  };

  readonly #onClose = (): void => this.#terminate();

  #feed(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#receiver.feed(bytes);
    if (this.#receiver.bufferedBytes > INPUT_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    void this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        if (this.#closed) return;
        const event = this.#receiver.next();
        if (!event) return;
        await this.#serial(() => this.#handle(event));
        if (this.#paused && this.#receiver.bufferedBytes < INPUT_LOW_WATER) {
          this.#paused = false;
          this.#socket.resume();
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Runs jobs that write output one after the other: commands and IDLE announcements. */
  #serial(job: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(async () => {
      if (this.#closed) return;
      try {
        await job();
      } catch (error) {
        // Only a broken transport or a server bug gets here; the connection cannot go on.
        const { name, code } = error as { name?: unknown; code?: unknown };
        this.#session.logger.warn({ session: this.#session.id, type: String(name), code }, 'imap: connection aborted');
        this.#terminate();
      }
    });
    this.#chain = run;
    return run;
  }

  async #handle(event: ReceiverEvent): Promise<void> {
    switch (event.kind) {
      case 'command':
        return this.#command(event.tag, event.spec, event.request);
      case 'literal-continuation':
        await this.#send({ type: 'continuation', text: 'Ready for literal' });
        return this.#flush();
      case 'append-begin':
        return this.#appendBegin(event);
      case 'append-chunk':
        return this.#append?.upload.push(event.bytes);
      case 'append-complete': {
        const append = this.#append;
        this.#append = undefined;
        if (!append) return;
        return this.#finish(event.tag, await append.upload.finish(), false, 'APPEND');
      }
      case 'idle-done':
        return this.#idleDone(event.tag);
      case 'auth-response': {
        const auth = this.#auth;
        this.#auth = undefined;
        if (!auth) return;
        let result: CommandResult;
        try {
          result = await auth.respond(event.data);
        } catch (error) {
          result = resultForError(error, this.#session.logger, 'AUTHENTICATE');
        }
        return this.#finish(event.tag, result, false, 'AUTHENTICATE');
      }
      case 'auth-cancel':
        this.#auth = undefined;
        return this.#finish(event.tag, { status: 'BAD', text: 'Authentication cancelled' }, false, 'AUTHENTICATE');
      case 'error':
        return this.#protocolError(event.error);
    }
  }

  // ---- commands --------------------------------------------------------------------------

  async #command(tag: string, spec: CommandSpec<Request>, request: Request): Promise<void> {
    const session = this.#session;
    if (session.state === 'not-authenticated' && ++this.#commandsBeforeLogin > MAX_COMMANDS_BEFORE_LOGIN) {
      return this.#bye('Too many commands without logging in');
    }
    if (!spec.states.includes(session.state)) {
      return this.#finish(tag, { status: 'BAD', text: `${request.name} is not allowed in this state` }, false, request.name);
    }
    // A complete APPEND always arrives as 'append-complete'; anything else lacks its message.
    if (request.name === 'APPEND') return this.#finish(tag, { status: 'BAD', text: 'APPEND needs a message literal' }, false, 'APPEND');
    const usesSequenceNumbers = requestUsesSequenceNumbers(spec, request);
    const context: CommandContext = { session, tag, send: (response) => this.#send(response) };
    let outcome: CommandOutcome;
    try {
      outcome = await handlerFor(request)(context, request);
    } catch (error) {
      if (error instanceof ProtoError) {
        error.tag = tag;
        await this.#send(responseForError(error));
        await this.#afterBad();
        return this.#flush();
      }
      outcome = resultForError(error, session.logger, request.name);
    }
    if ('idle' in outcome) return this.#enterIdle(tag);
    if ('challenge' in outcome) {
      this.#auth = { tag, respond: outcome.respond };
      await this.#send({ type: 'challenge', data: outcome.challenge });
      this.#receiver.expectAuthenticationResponse(tag);
      return this.#flush();
    }
    return this.#finish(tag, outcome, usesSequenceNumbers, request.name);
  }

  /** Announcements the moment allows, the tagged reply, and what follows it. */
  async #finish(
    tag: string,
    result: CommandResult & { after?: 'starttls' | 'compress' | 'logout' },
    usesSequenceNumbers: boolean,
    name: string,
  ): Promise<void> {
    const session = this.#session;
    if (result.status !== 'BAD' && session.state === 'selected' && !VIEW_CHANGING_COMMANDS.has(name)) {
      await this.#announce(!usesSequenceNumbers);
    }
    if (result.after === 'starttls') {
      // Nothing the client sends after this line may be read as plain text: stop reading
      // before the OK goes out, so the handshake's first bytes stay in the socket.
      this.#detach(this.#socket);
      this.#socket.pause();
    }
    await this.#send(
      result.code
        ? { type: 'tagged', tag, status: result.status, code: result.code, text: result.text }
        : { type: 'tagged', tag, status: result.status, text: result.text },
    );
    if (result.status === 'BAD') await this.#afterBad();
    else this.#badCommands = 0;
    if (session.state !== 'not-authenticated' && session.state !== 'logout') {
      clearTimeout(this.#loginDeadline);
      this.#receiver.setMaxNonSynchronisingLiteral(Number.POSITIVE_INFINITY);
      this.#socket.setTimeout(session.services.config.limits.idleTimeoutMs);
    }
    if (session.enabled.utf8Accept && !this.#utf8Accept) {
      this.#utf8Accept = true;
      this.#receiver.setUtf8Accept(true);
    }
    switch (result.after) {
      case 'starttls':
        await this.#flush();
        return this.#startTls();
      case 'compress':
        await this.#flush();
        return this.#startCompression();
      case 'logout':
        await this.#flush();
        return this.#terminate();
      default:
        if (session.mustClose) return this.#bye(session.mustClose);
        return this.#flush();
    }
  }

  async #announce(withExpunges: boolean): Promise<void> {
    let responses: Response[];
    try {
      responses = await this.#session.announcements(withExpunges);
    } catch (error) {
      resultForError(error, this.#session.logger, 'announce');
      return;
    }
    for (const response of responses) await this.#send(response);
  }

  async #afterBad(): Promise<void> {
    if (++this.#badCommands >= MAX_BAD_COMMANDS) await this.#bye('Too many invalid commands');
  }

  async #protocolError(error: ProtoError): Promise<void> {
    if (this.#append) {
      this.#append.upload.abort();
      this.#append = undefined;
    }
    if (this.#idleTag !== undefined && error.tag === this.#idleTag) this.#leaveIdle();
    if (this.#auth && error.tag === this.#auth.tag) this.#auth = undefined;
    await this.#send(responseForError(error));
    await this.#afterBad();
    await this.#flush();
  }

  // ---- APPEND ----------------------------------------------------------------------------

  async #appendBegin(event: Extract<ReceiverEvent, { kind: 'append-begin' }>): Promise<void> {
    const session = this.#session;
    let decision: AppendUpload | CommandResult;
    if (!appendCommand.states.includes(session.state)) {
      decision = { status: 'BAD', text: 'APPEND is not allowed in this state' };
    } else {
      try {
        decision = await beginAppend(session, event.head, event.size);
      } catch (error) {
        decision = resultForError(error, session.logger, 'APPEND');
      }
    }
    if ('status' in decision) {
      this.#receiver.refuseLiteral();
      return this.#finish(event.tag, decision, false, 'APPEND');
    }
    this.#append = { tag: event.tag, upload: decision };
    if (event.synchronising) {
      await this.#send({ type: 'continuation', text: 'Ready for literal data' });
      await this.#flush();
    }
    this.#receiver.acceptLiteral();
  }

  // ---- IDLE --------------------------------------------------------------------------------

  async #enterIdle(tag: string): Promise<void> {
    this.#idleTag = tag;
    this.#session.releaseCaches();
    await this.#send({ type: 'continuation', text: 'idling' });
    this.#receiver.expectIdleDone(tag);
    this.#session.onActivity = () => this.#scheduleIdleAnnouncement();
    if (this.#session.state === 'selected') await this.#announce(true);
    await this.#flush();
  }

  #scheduleIdleAnnouncement(): void {
    if (this.#idleScheduled || this.#idleTag === undefined) return;
    this.#idleScheduled = true;
    void this.#serial(async () => {
      this.#idleScheduled = false;
      if (this.#idleTag === undefined) return;
      if (this.#session.state === 'selected') await this.#announce(true);
      if (this.#session.mustClose) return this.#bye(this.#session.mustClose);
      await this.#flush();
    });
  }

  #leaveIdle(): void {
    this.#idleTag = undefined;
    this.#session.onActivity = undefined;
  }

  async #idleDone(tag: string): Promise<void> {
    this.#leaveIdle();
    return this.#finish(tag, { status: 'OK', text: 'IDLE terminated' }, false, 'IDLE');
  }

  // ---- transport changes -----------------------------------------------------------------

  #startTls(): void {
    const plain = this.#socket;
    // Bytes that came before the handshake must never count as commands (CVE-2011-0411).
    this.#receiver.takeBuffered();
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.#options.secureContext });
    this.#socket = secure;
    this.#attach(secure);
    this.#session.secure = true;
  }

  #startCompression(): void {
    const socket = this.#socket;
    this.#deflate = zlib.createDeflateRaw(DEFLATE_OPTIONS);
    this.#deflate.on('data', (chunk: Buffer) => {
      if (!socket.writableEnded) socket.write(chunk);
    });
    this.#deflate.on('error', () => this.#terminate());
    this.#inflate = zlib.createInflateRaw();
    this.#inflate.on('data', (chunk: Buffer) => this.#feed(chunk));
    this.#inflate.on('error', () => this.#terminate());
    this.#session.compressed = true;
    const rest = this.#receiver.takeBuffered();
    if (rest.length > 0) this.#inflate.write(rest);
  }

  // ---- output ------------------------------------------------------------------------------

  async #send(response: Response): Promise<void> {
    if (this.#closed) return;
    const chunks = serializeResponse(response, { utf8Accept: this.#session.enabled.utf8Accept });
    for (const chunk of chunks) {
      if (chunk instanceof Uint8Array) {
        this.#output.push(chunk);
        this.#outputBytes += chunk.length;
        if (this.#outputBytes >= OUTPUT_BATCH) await this.#flush();
        continue;
      }
      await this.#flush();
      for await (const piece of chunkBytes([chunk])) await this.#write(piece);
    }
  }

  async #flush(): Promise<void> {
    if (this.#outputBytes === 0) return;
    const data = this.#output.length === 1 ? this.#output[0]! : Buffer.concat(this.#output, this.#outputBytes);
    this.#output = [];
    this.#outputBytes = 0;
    await this.#write(data);
  }

  async #write(data: Uint8Array): Promise<void> {
    if (this.#closed) return;
    const socket = this.#socket;
    if (this.#deflate) {
      const deflate = this.#deflate;
      deflate.write(data);
      await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
      if (socket.writableNeedDrain) await this.#drained(socket);
      return;
    }
    if (!socket.write(data)) await this.#drained(socket);
  }

  async #drained(socket: Socket): Promise<void> {
    const controller = new AbortController();
    await Promise.race([once(socket, 'drain', { signal: controller.signal }), once(socket, 'close', { signal: controller.signal })]).catch(() => undefined);
    controller.abort();
  }

  // ---- ending ------------------------------------------------------------------------------

  async #bye(text: string): Promise<void> {
    await this.#send({ type: 'status', status: 'BYE', text });
    await this.#flush();
    this.#terminate();
  }

  #terminate(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#loginDeadline);
    this.#append?.upload.abort();
    this.#append = undefined;
    this.#leaveIdle();
    this.#session.end();
    this.#inflate?.destroy();
    if (this.#deflate) {
      const socket = this.#socket;
      this.#deflate.once('end', () => socket.end());
      this.#deflate.end();
    } else {
      this.#socket.end();
    }
    // A peer that never reads must not keep the socket (and its buffers) alive.
    setTimeout(() => this.#socket.destroy(), 5000).unref();
    this.#options.onClose();
  }
}
