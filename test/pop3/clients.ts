// POP3 clients for the tests: Python's poplib and curl (independent implementations), and a
// raw line client for what real clients never send (pipelined batches, junk, STLS
// injection) and for byte-level checks of the wire.
import { spawn } from 'node:child_process';
import { connect as connectPlain, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import type { TestService } from '../helpers/service.ts';

const DRIVER = fileURLToPath(new URL('./poplib-driver.py', import.meta.url));

export type PoplibStep = (string | number)[];
export type PoplibResult = { ok: unknown } | { error: string };

/** Runs steps with poplib on one connection; the first results are the greeting (and the
 * STLS reply in 'stls' mode). */
export async function poplib(port: number, mode: 'plain' | 'stls' | 'implicit', steps: PoplibStep[]): Promise<PoplibResult[]> {
  const { code, stdout, stderr } = await run('python3', [DRIVER], JSON.stringify({ host: '127.0.0.1', port, mode, steps }));
  if (code !== 0) throw new Error(`poplib driver failed (${code}): ${stderr}`);
  return JSON.parse(stdout.toString('utf8')) as PoplibResult[];
}

/** poplib's bytes values come back as {b64}; this turns them (deeply) into Buffers/strings. */
export function bytesOf(value: unknown): Buffer {
  const encoded = (value as { b64?: string }).b64;
  if (typeof encoded !== 'string') throw new Error(`not bytes: ${JSON.stringify(value)}`);
  return Buffer.from(encoded, 'base64');
}

export function textOf(value: unknown): string {
  return bytesOf(value).toString('latin1');
}

/** poplib's retr/top result: [response, [lines], octets]; the message as the client rebuilt it. */
export function messageOf(result: PoplibResult): { response: string; message: Buffer; octets: number } {
  if (!('ok' in result)) throw new Error(`expected a message, got ${result.error}`);
  const [response, lines, octets] = result.ok as [unknown, unknown[], number];
  const message = Buffer.concat(lines.flatMap((line) => [bytesOf(line), Buffer.from('\r\n')]));
  return { response: textOf(response), message, octets };
}

export function errorOf(result: PoplibResult | undefined): string {
  if (!result || !('error' in result)) throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

export function okOf(result: PoplibResult | undefined): unknown {
  if (!result || !('ok' in result)) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.ok;
}

export async function curl(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return run('curl', ['--silent', '--show-error', '--insecure', '--max-time', '10', ...args]);
}

async function run(command: string, args: string[], input?: string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(input ?? '');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout: Buffer.concat(out), stderr };
}

/** A bare POP3 client over one socket: send lines, read replies, upgrade with STLS. */
export class RawPop3 {
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #ended = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  static async open(port: number, options: { tls?: boolean; localAddress?: string } = {}): Promise<RawPop3> {
    const socket = options.tls
      ? connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) })
      : connectPlain({ host: '127.0.0.1', port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawPop3(socket);
  }

  #listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async #waitForData(): Promise<void> {
    if (this.#ended) throw new Error(`connection closed; unread: ${JSON.stringify(this.#buffer.toString('latin1'))}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply in time; buffered: ${JSON.stringify(this.#buffer.toString('latin1'))}`)), 5000);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  send(data: string | Uint8Array): void {
    this.#socket.write(data);
  }

  /** One reply line, without its CRLF. */
  async line(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.#buffer.subarray(0, end).toString('latin1');
        this.#buffer = this.#buffer.subarray(end + 2);
        return line;
      }
      await this.#waitForData();
    }
  }

  async command(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return this.line();
  }

  /** The raw bytes of a multi-line reply body up to and including ".CRLF" (not unstuffed). */
  async multiLineBody(): Promise<Buffer> {
    for (;;) {
      const start = this.#buffer.subarray(0, 3).equals(Buffer.from('.\r\n')) ? 0 : this.#buffer.indexOf('\r\n.\r\n');
      if (start >= 0) {
        const end = start === 0 ? 3 : start + 5;
        const body = this.#buffer.subarray(0, end);
        this.#buffer = this.#buffer.subarray(end);
        return body;
      }
      await this.#waitForData();
    }
  }

  /** A multi-line reply: its status line and its lines, unstuffed. */
  async multiLine(command?: string): Promise<{ status: string; lines: string[] }> {
    if (command !== undefined) this.send(`${command}\r\n`);
    const status = await this.line();
    if (!status.startsWith('+OK')) return { status, lines: [] };
    const body = (await this.multiLineBody()).toString('latin1');
    const lines = body
      .split('\r\n')
      .slice(0, -2)
      .map((line) => (line.startsWith('.') ? line.slice(1) : line));
    return { status, lines };
  }

  async startTls(): Promise<void> {
    this.#socket.removeAllListeners('data');
    const secured = connectTls({ socket: this.#socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secured.once('secureConnect', () => resolve());
      secured.once('error', reject);
    });
    this.#socket = secured;
    this.#buffer = Buffer.alloc(0);
    this.#listen(secured);
  }

  /** Everything the server sends until it closes the connection. */
  async untilClosed(): Promise<string> {
    while (!this.#ended) await this.#waitForData().catch(() => undefined);
    return this.#buffer.toString('latin1');
  }

  get closed(): boolean {
    return this.#ended;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A mailbox with an app password, ready for POP3. */
export async function mailboxWithAppPassword(service: TestService, address: string) {
  const account = await service.createAccount(address);
  const appPassword = await service.createAppPassword(account.accountId, account.password);
  return { ...account, address, appPassword };
}

/** Delivers a message through the MX as another mail server would (nodemailer). */
export async function deliver(service: TestService, to: string, raw: Buffer): Promise<void> {
  await nodemailer
    .createTransport({ host: '127.0.0.1', port: service.port('smtp-mx'), secure: false, tls: { rejectUnauthorized: false } })
    .sendMail({ envelope: { from: 'sender@remote.example', to: [to] }, raw });
}

/** Logs in with USER/PASS over implicit TLS, retrying while the previous session of the
 * mailbox is still being closed by the server ([IN-USE] for a few milliseconds). */
export async function loggedIn(service: TestService, address: string, appPassword: string): Promise<RawPop3> {
  for (let attempt = 0; ; attempt++) {
    const client = await RawPop3.open(service.port('pop3s'), { tls: true });
    await client.line();
    await client.command(`USER ${address}`);
    const reply = await client.command(`PASS ${appPassword}`);
    if (reply.startsWith('+OK')) return client;
    client.close();
    if (!reply.includes('[IN-USE]') || attempt > 50) throw new Error(`login failed: ${reply}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
