// One POP3 session: the state machine of RFC 1939 (AUTHORIZATION → TRANSACTION → UPDATE)
// with CAPA and response codes (RFC 2449, RFC 3206), STLS (RFC 2595) and AUTH PLAIN
// (RFC 5034). It takes framed lines from the wire layer (./proto), runs one command at a
// time in order (PIPELINING needs nothing more), and writes replies through a transport;
// it knows no sockets (connection.ts).
//
// SECURITY: until login it holds nothing. Authentication is refused until the connection
// is encrypted (no USER/PASS/AUTH in clear: the app password would be readable on the
// wire). From login to the end it holds the mailbox keys, inside its Maildrop; they are
// wiped at QUIT and on disconnect and never logged. Logs carry a random session id and
// counts, never an address, a secret or content.
import type { MailboxKeys } from '../../crypto/api.ts';
import { normalizeAddress } from '../core/addresses.ts';
import { isMailError } from '../core/errors.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { MessageRecord } from '../core/records.ts';
import type { Logger } from '../log.ts';
import type { AppPasswordLogin } from '../auth/app-password-login.ts';
import type { MailboxLocks } from './mailbox-locks.ts';
import { Maildrop, type MaildropMessage } from './maildrop.ts';
import {
  decodePlain,
  errLine,
  isValidIn,
  MessageEncoder,
  multiLine,
  okLine,
  parseCommand,
  parseInitialResponse,
  parseSaslResponse,
  SASL_CONTINUATION,
  type LineEvent,
  type Pop3Command,
  type SaslResponse,
} from './proto/index.ts';

/** What the session needs of its connection. */
export interface Pop3Transport {
  /** The connection is encrypted (implicit TLS, or after STLS). */
  readonly secure: boolean;
  /** STLS is possible now (a plain connection on the STLS port). */
  readonly canStartTls: boolean;
  /** Resolves when the bytes are handed to the network; rejects with
   * TransportClosedError once the connection is gone. */
  write(data: string | Uint8Array): Promise<void>;
  /** Called after "+OK" to STLS was written: handshakes, and drops any input that arrived
   * before it. */
  startTls(): Promise<void>;
  /** Ends the connection after what was written. */
  close(): void;
}

export class TransportClosedError extends Error {
  readonly code = 'CONNECTION_CLOSED';
  constructor() {
    super('the connection is closed');
    this.name = 'TransportClosedError';
  }
}

export interface Pop3SessionOptions {
  core: MailCore;
  login: AppPasswordLogin;
  locks: MailboxLocks;
  /** Lines a client may send before it is logged in. */
  maxCommandsBeforeAuth: number;
  logger: Logger;
  /** Random id naming this session in logs. */
  id: string;
  /** The client's throttling key; never logged. */
  source: string;
}

/** Consecutive refused commands before the connection is closed (Dovecot's value): a client
 * that gets twenty -ERR in a row is not going to recover. */
const MAX_BAD_COMMANDS_IN_A_ROW = 20;

const CAPABILITIES = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
const TLS_REQUIRED = 'Plaintext authentication disallowed on non-secure (SSL/TLS) connections, use STLS first';

const lineDecoder = new TextDecoder('utf-8');

export class Pop3Session {
  readonly #options: Pop3SessionOptions;
  readonly #transport: Pop3Transport;
  #state: 'authorization' | 'transaction' | 'update' = 'authorization';
  #userName: string | undefined;
  #awaitingSaslResponse = false;
  #maildrop: Maildrop | undefined;
  #releaseLock: (() => void) | undefined;
  #stopListening: (() => void) | undefined;
  #linesBeforeAuth = 0;
  #badInARow = 0;
  #ended = false;
  readonly #stats = { retrieved: 0, deleted: 0 };

  constructor(transport: Pop3Transport, options: Pop3SessionOptions) {
    this.#transport = transport;
    this.#options = options;
  }

  /** Past the AUTHORIZATION state: the client has logged in. */
  get loggedIn(): boolean {
    return this.#state !== 'authorization';
  }

  async greet(): Promise<void> {
    await this.#transport.write(okLine('Sealpost POP3 server ready'));
  }

  /** Runs one framed line. The connection calls it for one line at a time, in order. */
  async handle(event: LineEvent): Promise<void> {
    if (this.#ended || this.#state === 'update') return;
    if (this.#state === 'authorization' && ++this.#linesBeforeAuth > this.#options.maxCommandsBeforeAuth) {
      await this.#transport.write(errLine('Too many commands before authentication'));
      this.#transport.close();
      return;
    }
    if (event.kind === 'too-long') {
      this.#awaitingSaslResponse = false;
      return this.#refuse('Line too long');
    }
    const text = lineDecoder.decode(event.line);
    try {
      if (this.#awaitingSaslResponse) {
        this.#awaitingSaslResponse = false;
        return await this.#authPlain(parseSaslResponse(text));
      }
      const parsed = parseCommand(text);
      if (!parsed.ok) return await this.#refuse(parsed.message);
      if (!isValidIn(parsed.command, this.#state)) return await this.#refuse(`${parsed.command.name} is not valid in this state`);
      this.#badInARow = 0;
      await this.#run(parsed.command);
    } catch (error) {
      if (error instanceof TransportClosedError) throw error;
      this.#options.logger.error({ session: this.#options.id, err: error }, 'pop3: command failed');
      await this.#transport.write(errLine('Internal error, try again later', 'SYS/TEMP'));
    }
  }

  /** The connection is gone (or QUIT finished): saves \Seen flags of a dropped session,
   * wipes the keys and frees the mailbox. Deletions are dropped unless QUIT ran. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopListening?.();
    const maildrop = this.#maildrop;
    this.#maildrop = undefined;
    try {
      if (maildrop && this.#state === 'transaction') await maildrop.saveSeen();
    } catch (error) {
      this.#options.logger.warn({ session: this.#options.id, err: error }, 'pop3: saving \\Seen flags failed');
    } finally {
      maildrop?.close();
      this.#releaseLock?.();
      this.#releaseLock = undefined;
    }
    this.#options.logger.info({ session: this.#options.id, ...this.#stats, quit: this.#state === 'update' }, 'pop3: session ended');
  }

  async #refuse(message: string): Promise<void> {
    await this.#transport.write(errLine(message));
    if (++this.#badInARow >= MAX_BAD_COMMANDS_IN_A_ROW) {
      await this.#transport.write(errLine('Too many bad commands, closing connection'));
      this.#transport.close();
    }
  }

  async #run(command: Pop3Command): Promise<void> {
    switch (command.name) {
      case 'CAPA':
        return this.#transport.write(multiLine('Capability list follows', this.#capabilities()));
      case 'STLS':
        return this.#startTls();
      case 'USER':
        return this.#user(command.user);
      case 'PASS':
        return this.#pass(command.secret);
      case 'AUTH':
        return this.#auth(command.mechanism, command.initialResponse);
      case 'QUIT':
        return this.#quit();
      case 'STAT': {
        const { count, octets } = this.#drop().totals();
        return this.#transport.write(okLine(`${count} ${octets}`));
      }
      case 'LIST':
        return this.#list(command.message);
      case 'UIDL':
        return this.#uidl(command.message);
      case 'RETR':
        return this.#retrieve(command.message);
      case 'TOP':
        return this.#top(command.message, command.lines);
      case 'DELE':
        return this.#delete(command.message);
      case 'NOOP':
        return this.#transport.write(okLine());
      case 'RSET': {
        const maildrop = this.#drop();
        maildrop.reset();
        const { count, octets } = maildrop.totals();
        return this.#transport.write(okLine(`Maildrop has ${count} messages (${octets} octets)`));
      }
    }
  }

  /** The same list in both states (RFC 2449 section 5); USER and SASL only once the
   * connection is encrypted, STLS only while it can be. */
  #capabilities(): string[] {
    return [
      ...CAPABILITIES,
      ...(this.#transport.secure ? ['USER', 'SASL PLAIN'] : []),
      ...(this.#transport.canStartTls ? ['STLS'] : []),
      'IMPLEMENTATION Sealpost',
    ];
  }

  // STLS
  async #startTls(): Promise<void> {
    if (!this.#transport.canStartTls) {
      return this.#transport.write(errLine(this.#transport.secure ? 'TLS is already active' : 'STLS is not available on this port'));
    }
    await this.#transport.write(okLine('Begin TLS negotiation'));
    await this.#transport.startTls();
    this.#userName = undefined; // RFC 2595 section 4: the session starts over
  }

  // USER name
  async #user(name: string): Promise<void> {
    if (!this.#transport.secure) return this.#transport.write(errLine(TLS_REQUIRED, 'AUTH'));
    // Always +OK: an -ERR here would tell which addresses exist.
    this.#userName = name;
    await this.#transport.write(okLine());
  }

  // PASS string
  async #pass(secret: string): Promise<void> {
    if (!this.#transport.secure) return this.#transport.write(errLine(TLS_REQUIRED, 'AUTH'));
    const name = this.#userName;
    this.#userName = undefined;
    if (name === undefined) return this.#transport.write(errLine('No user name given, send USER first'));
    await this.#login(name, secret);
  }

  // AUTH [mechanism [initial-response]]
  async #auth(mechanism: string | undefined, initialResponse: string | undefined): Promise<void> {
    if (mechanism === undefined) return this.#transport.write(multiLine('Methods supported', this.#transport.secure ? ['PLAIN'] : []));
    if (!this.#transport.secure) return this.#transport.write(errLine(TLS_REQUIRED, 'AUTH'));
    if (mechanism !== 'PLAIN') return this.#transport.write(errLine('Unsupported authentication mechanism'));
    if (initialResponse !== undefined) return this.#authPlain(parseInitialResponse(initialResponse));
    this.#awaitingSaslResponse = true;
    await this.#transport.write(SASL_CONTINUATION);
  }

  async #authPlain(response: SaslResponse): Promise<void> {
    if (response.kind === 'cancel') return this.#transport.write(errLine('Authentication aborted'));
    if (response.kind === 'invalid') return this.#transport.write(errLine('Invalid base64 data'));
    const credentials = decodePlain(response.bytes);
    if (!credentials) return this.#transport.write(errLine('Malformed PLAIN credentials'));
    // No proxy authentication: an authorisation identity, if given, must be the user.
    if (credentials.authzid !== '' && normalizeAddress(credentials.authzid) !== normalizeAddress(credentials.authcid)) {
      return this.#transport.write(errLine('Authorization identity must be empty or equal to the user', 'AUTH'));
    }
    await this.#login(credentials.authcid, credentials.password);
  }

  async #login(address: string, secret: string): Promise<void> {
    const outcome = await this.#options.login.attempt(address, secret, this.#options.source);
    if (outcome.kind === 'throttled') return this.#transport.write(errLine('Too many failed logins, try again later', 'SYS/TEMP'));
    if (outcome.kind === 'failed') return this.#transport.write(errLine('Authentication failed', 'AUTH'));
    // RFC 3206: not a credentials problem, and retrying will not help until the user acts.
    if (outcome.kind === 'disabled') return this.#transport.write(errLine(`Account disabled: ${outcome.reason}`, 'SYS/PERM'));
    const { unlocked } = outcome;
    const release = this.#options.locks.tryAcquire(unlocked.accountId);
    if (!release) {
      this.#wipe(unlocked.keys);
      return this.#transport.write(errLine('Mailbox is locked by another POP3 session', 'IN-USE'));
    }
    let maildrop: Maildrop;
    try {
      maildrop = await Maildrop.open(this.#options.core, unlocked);
    } catch (error) {
      this.#wipe(unlocked.keys);
      release();
      throw error;
    }
    this.#maildrop = maildrop;
    this.#releaseLock = release;
    this.#state = 'transaction';
    // A deleted account or a revoked app password ends its sessions at once (promise 10);
    // the keys are wiped as the session ends, and no deletion of this session is applied.
    this.#stopListening = this.#options.core.events.subscribe(unlocked.accountId, (event) => {
      if (event.type === 'account-deleted' || (event.type === 'key-slots-revoked' && event.slotIds.includes(unlocked.slotId))) this.#transport.close();
    });
    const { count, octets } = maildrop.totals();
    this.#options.logger.debug({ session: this.#options.id, messages: count }, 'pop3: logged in');
    await this.#transport.write(okLine(`Logged in, ${count} messages (${octets} octets)`));
  }

  // QUIT
  async #quit(): Promise<void> {
    const maildrop = this.#maildrop;
    if (!maildrop) {
      await this.#transport.write(okLine('Logging out'));
      return this.#transport.close();
    }
    this.#state = 'update';
    let reply: string;
    try {
      const removed = await maildrop.update();
      this.#stats.deleted = removed;
      reply = okLine(removed > 0 ? `Logging out, ${removed} messages deleted` : 'Logging out');
    } catch (error) {
      this.#options.logger.error({ session: this.#options.id, err: error }, 'pop3: update at QUIT failed');
      reply = errLine('Some deleted messages were not removed', 'SYS/TEMP');
    }
    await this.end();
    await this.#transport.write(reply).finally(() => this.#transport.close());
  }

  // LIST [msg]
  async #list(number: number | undefined): Promise<void> {
    const maildrop = this.#drop();
    if (number === undefined) {
      const { count, octets } = maildrop.totals();
      const lines = maildrop.remaining().map((message) => `${message.number} ${message.size}`);
      return this.#transport.write(multiLine(`${count} messages (${octets} octets)`, lines));
    }
    const message = await this.#existing(number);
    if (message) await this.#transport.write(okLine(`${message.number} ${message.size}`));
  }

  // UIDL [msg]
  async #uidl(number: number | undefined): Promise<void> {
    const maildrop = this.#drop();
    if (number === undefined) {
      const lines = maildrop.remaining().map((message) => `${message.number} ${maildrop.uidl(message)}`);
      return this.#transport.write(multiLine('Unique-id listing follows', lines));
    }
    const message = await this.#existing(number);
    if (message) await this.#transport.write(okLine(`${message.number} ${maildrop.uidl(message)}`));
  }

  // RETR msg
  async #retrieve(number: number): Promise<void> {
    const maildrop = this.#drop();
    const message = await this.#existing(number);
    const record = message && (await this.#currentRecord(maildrop, message));
    if (!message || !record) return;
    await this.#transport.write(okLine(`${message.size} octets`));
    await this.#sendMessage(maildrop.content(message, record));
    this.#stats.retrieved += 1;
  }

  // TOP msg n
  async #top(number: number, lines: number): Promise<void> {
    const maildrop = this.#drop();
    const message = await this.#existing(number);
    const record = message && (await this.#currentRecord(maildrop, message));
    if (!message || !record) return;
    await this.#transport.write(okLine('Top of message follows'));
    await this.#sendMessage(maildrop.top(record, lines));
  }

  // DELE msg
  async #delete(number: number): Promise<void> {
    const message = await this.#existing(number);
    if (!message) return;
    message.deleted = true;
    await this.#transport.write(okLine(`Message ${number} deleted`));
  }

  /** The message with this number unless it does not exist or is marked deleted, in which
   * case the -ERR is sent and undefined returned. */
  async #existing(number: number): Promise<MaildropMessage | undefined> {
    const message = this.#drop().message(number);
    if (!message) {
      await this.#transport.write(errLine(`There is no message ${number}`));
      return undefined;
    }
    if (message.deleted) {
      await this.#transport.write(errLine(`Message ${number} is deleted`));
      return undefined;
    }
    return message;
  }

  async #currentRecord(maildrop: Maildrop, message: MaildropMessage): Promise<MessageRecord | undefined> {
    try {
      return await maildrop.record(message);
    } catch (error) {
      if (!isMailError(error, 'MESSAGE_NONEXISTENT')) throw error;
      await this.#transport.write(errLine(`Message ${message.number} was removed by another session`));
      return undefined;
    }
  }

  /** Streams a multi-line reply body. Once "+OK" is out, a failure can no longer be
   * reported in band, so the connection is closed instead: the client sees a truncated
   * reply, never a wrong one. */
  async #sendMessage(content: AsyncIterable<Uint8Array>): Promise<void> {
    const encoder = new MessageEncoder();
    try {
      for await (const chunk of content) {
        const encoded = encoder.push(chunk);
        if (encoded.length > 0) await this.#transport.write(encoded);
      }
    } catch (error) {
      if (!(error instanceof TransportClosedError)) {
        this.#options.logger.error({ session: this.#options.id, err: error }, 'pop3: reading a message failed');
        this.#transport.close();
      }
      throw new TransportClosedError();
    }
    await this.#transport.write(encoder.end());
  }

  #wipe(keys: MailboxKeys): void {
    this.#options.core.wipeKeys(keys);
  }

  #drop(): Maildrop {
    if (!this.#maildrop) throw new Error('no maildrop outside the TRANSACTION state');
    return this.#maildrop;
  }
}
