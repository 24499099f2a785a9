// A bare IMAP client for tests that must see the exact wire responses (timing of untagged
// responses, response codes, literal framing) — things high-level clients hide — plus the
// service setup the IMAP tests share.
import { connect as connectPlain, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { startTestService, type TestService } from '../helpers/service.ts';

export interface Reply {
  /** Untagged and continuation lines before the tagged one, literals inlined. */
  lines: string[];
  /** The tagged completion line, e.g. "a1 OK [READ-WRITE] Select completed". */
  tagged: string;
}

export class RawImap {
  #socket: Socket | TLSSocket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #closed = false;
  #tag = 0;
  /** Untagged lines received outside a command (IDLE, unsolicited). */
  readonly unsolicited: string[] = [];
  greeting = '';

  private constructor(socket: Socket | TLSSocket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  /** Connects with implicit TLS (port "imaps") or plain (port "imap"). */
  static async open(port: number, options: { tls: boolean; localAddress?: string }): Promise<RawImap> {
    const plain = connectPlain({ host: '127.0.0.1', port, localAddress: options.localAddress, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      plain.once('connect', () => resolve());
      plain.once('error', reject);
    });
    let socket: Socket | TLSSocket = plain;
    if (options.tls) {
      const secure = connectTls({ socket: plain, rejectUnauthorized: false });
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      });
      socket = secure;
    }
    const client = new RawImap(socket);
    client.greeting = await client.readLine();
    return client;
  }

  #listen(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Waits for more input; rejects after `timeoutMs`. */
  async #more(timeoutMs: number): Promise<void> {
    if (this.#closed) throw new Error('connection closed');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no data within ${timeoutMs} ms; have: ${JSON.stringify(this.#buffer.toString('latin1').slice(0, 300))}`)),
        timeoutMs,
      );
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** One response line with any literals it announces inlined (as latin1 text). */
  async readLine(timeoutMs = 5000): Promise<string> {
    let line = '';
    for (;;) {
      const end = this.#buffer.indexOf('\r\n');
      if (end < 0) {
        await this.#more(timeoutMs);
        continue;
      }
      const part = this.#buffer.subarray(0, end).toString('latin1');
      const literal = /~?\{(\d+)\}$/.exec(part);
      if (!literal) {
        this.#buffer = this.#buffer.subarray(end + 2);
        return line + part;
      }
      const size = Number(literal[1]);
      while (this.#buffer.length < end + 2 + size) await this.#more(timeoutMs);
      line += `${part}\r\n${this.#buffer.subarray(end + 2, end + 2 + size).toString('latin1')}`;
      this.#buffer = this.#buffer.subarray(end + 2 + size);
    }
  }

  /** True when a complete line is already buffered. */
  get hasLine(): boolean {
    return this.#buffer.includes('\r\n');
  }

  send(text: string | Uint8Array): void {
    this.#socket.write(text);
  }

  nextTag(): string {
    this.#tag += 1;
    return `t${this.#tag}`;
  }

  /** Sends "tag command" and collects everything up to its tagged reply. */
  async command(command: string, timeoutMs = 5000): Promise<Reply> {
    const tag = this.nextTag();
    this.send(`${tag} ${command}\r\n`);
    return this.until(tag, timeoutMs);
  }

  async until(tag: string, timeoutMs = 5000): Promise<Reply> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine(timeoutMs);
      if (line.startsWith(`${tag} `)) return { lines, tagged: line };
      lines.push(line);
    }
  }

  /** Upgrades a plain connection after a successful STARTTLS. */
  async startTls(): Promise<void> {
    const reply = await this.command('STARTTLS');
    if (!/ OK /.test(reply.tagged)) throw new Error(`STARTTLS failed: ${reply.tagged}`);
    const plain = this.#socket;
    plain.removeAllListeners('data');
    const secure = connectTls({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#buffer = Buffer.alloc(0);
    this.#listen(secure);
  }

  async login(address: string, secret: string): Promise<Reply> {
    return this.command(`LOGIN ${quote(address)} ${quote(secret)}`);
  }

  close(): void {
    this.#socket.destroy();
  }
}

export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface ImapTestUser {
  address: string;
  accountId: string;
  password: string;
  appPassword: string;
}

/** A service with IMAP on ephemeral ports, no POP3 (fixed ports), and free accounts. */
export async function startImapService(overrides: string[] = [], dataDir?: string): Promise<TestService> {
  return startTestService(['imap.port=0', 'imap.tlsPort=0', 'pop3.enabled=false', 'billing.enabled=false', ...overrides], dataDir);
}

export async function createUser(service: TestService, address: string): Promise<ImapTestUser> {
  const { accountId, password } = await service.createAccount(address);
  const appPassword = await service.createAppPassword(accountId, password);
  return { address, accountId, password, appPassword };
}

/** A simple RFC 5322 message. */
export function message(subject: string, body = `Body of ${subject}`, extra = ''): string {
  return `From: Bob Example <bob@example.com>\r\nTo: alice@sealpost.test\r\nSubject: ${subject}\r\nDate: Mon, 3 Feb 2025 10:00:00 +0100\r\nMessage-ID: <${encodeURIComponent(subject)}@example.com>\r\n${extra}\r\n${body}\r\n`;
}

/** Logs in over implicit TLS and selects a mailbox. */
export async function loggedIn(service: TestService, user: ImapTestUser, mailbox?: string): Promise<RawImap> {
  const client = await RawImap.open(service.port('imaps'), { tls: true });
  const reply = await client.login(user.address, user.appPassword);
  if (!/ OK /.test(reply.tagged)) throw new Error(`login failed: ${reply.tagged}`);
  if (mailbox) {
    const selected = await client.command(`SELECT ${quote(mailbox)}`);
    if (!/ OK /.test(selected.tagged)) throw new Error(`select failed: ${selected.tagged}`);
  }
  return client;
}

export async function appendRaw(client: RawImap, mailbox: string, text: string, flags = ''): Promise<Reply> {
  const bytes = Buffer.from(text);
  const tag = client.nextTag();
  client.send(`${tag} APPEND ${quote(mailbox)}${flags ? ` (${flags})` : ''} {${bytes.length}+}\r\n`);
  client.send(bytes);
  client.send('\r\n');
  return client.until(tag);
}
