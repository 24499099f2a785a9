// A lean IMAP client for load generation: implicit TLS, one command at a time, literals in
// responses skipped by size (never parsed), APPEND with LITERAL+. It costs the 2-core
// machine as little as possible so that what is measured is the server.
import { connect, type TLSSocket } from 'node:tls';

export class ImapLoadClient {
  #socket!: TLSSocket;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes of a literal still to skip before lines are parsed again. */
  #skip = 0;
  #waiting: { tag: string; resolve: (line: string) => void; reject: (error: Error) => void } | undefined;
  #greeting: ((line: string) => void) | undefined;
  #tag = 0;
  #closed = false;
  /** Untagged lines are counted, not kept: IDLE clients only need to know they came. */
  untagged = 0;

  async connect(port: number): Promise<void> {
    const greeted = new Promise<string>((resolve) => (this.#greeting = resolve));
    this.#socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.on('close', () => this.#fail(new Error('connection closed')));
    await greeted;
  }

  #fail(error: Error): void {
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    let buffer = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    let offset = 0;
    for (;;) {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, buffer.length - offset);
        this.#skip -= skipped;
        offset += skipped;
        if (this.#skip > 0) break;
      }
      const end = buffer.indexOf(0x0a, offset);
      if (end < 0) break;
      const line = buffer.toString('latin1', offset, end > offset && buffer[end - 1] === 0x0d ? end - 1 : end);
      offset = end + 1;
      const literal = /\{(\d+)\}$/.exec(line);
      if (literal) this.#skip = Number(literal[1]);
      this.#onLine(line);
    }
    buffer = buffer.subarray(offset);
    this.#chunks = buffer.length > 0 ? [buffer] : [];
    this.#buffered = buffer.length;
  }

  #onLine(line: string): void {
    if (this.#greeting) {
      const greeting = this.#greeting;
      this.#greeting = undefined;
      greeting(line);
      return;
    }
    const waiting = this.#waiting;
    if (waiting && line.startsWith(waiting.tag) && line.charCodeAt(waiting.tag.length) === 0x20) {
      this.#waiting = undefined;
      waiting.resolve(line);
      return;
    }
    if (waiting && line.startsWith('+') && waiting.tag === '+') {
      this.#waiting = undefined;
      waiting.resolve(line);
      return;
    }
    this.untagged += 1;
  }

  #await(tag: string): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => (this.#waiting = { tag, resolve, reject }));
  }

  /** Sends a command; resolves with its tagged line; rejects unless it is OK. */
  async command(text: string): Promise<string> {
    const tag = `b${++this.#tag}`;
    const done = this.#await(tag);
    this.#socket.write(`${tag} ${text}\r\n`);
    const line = await done;
    if (line.charCodeAt(tag.length + 1) !== 0x4f /* O */) throw new Error(`${text.split(' ')[0]} failed: ${line}`);
    return line;
  }

  async append(mailbox: string, message: Buffer, flags = ''): Promise<string> {
    const tag = `b${++this.#tag}`;
    const done = this.#await(tag);
    this.#socket.write(`${tag} APPEND ${mailbox}${flags ? ` (${flags})` : ''} {${message.length}+}\r\n`);
    this.#socket.write(message);
    this.#socket.write('\r\n');
    const line = await done;
    if (!line.includes(' OK')) throw new Error(`APPEND failed: ${line}`);
    return line;
  }

  /** IDLE: resolves once the server said "+ idling". */
  async idle(): Promise<void> {
    const tag = `b${++this.#tag}`;
    const continuation = this.#await('+');
    this.#socket.write(`${tag} IDLE\r\n`);
    await continuation;
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }
}

export function imapQuote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
