// A lean SMTP client for benchmarks: pipelined MAIL/RCPT/DATA per message over one
// connection (plain, or TLS with one AUTH PLAIN), so the load generator costs little of
// the 2 cores it shares with the server it measures.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export class PipeliningSmtpClient {
  #socket!: Socket;
  #buffer = '';
  #pending: ((line: string) => void)[] = [];

  /** Plain connection (the MX), or implicit TLS with AUTH PLAIN (submission). */
  async connect(port: number, login?: { user: string; secret: string }): Promise<void> {
    this.#socket = login ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect({ port, host: '127.0.0.1' });
    this.#socket.setNoDelay(true);
    this.#socket.setEncoding('latin1');
    this.#socket.on('data', (text: string) => {
      this.#buffer += text;
      for (let newline = this.#buffer.indexOf('\n'); newline >= 0; newline = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        if (line[3] === '-') continue;
        this.#pending.shift()?.(line);
      }
    });
    await this.#expect('220');
    this.#socket.write('EHLO bench.example\r\n');
    await this.#expect('250');
    if (login) {
      this.#socket.write(`AUTH PLAIN ${Buffer.from(`\0${login.user}\0${login.secret}`).toString('base64')}\r\n`);
      await this.#expect('235');
    }
  }

  #expect(code: string): Promise<string> {
    return new Promise((resolve, reject) =>
      this.#pending.push((line) => (line.startsWith(code) ? resolve(line) : reject(new Error(`expected ${code}, got ${line}`)))),
    );
  }

  async send(from: string, to: string, message: Buffer): Promise<void> {
    const replies = [this.#expect('250'), this.#expect('250'), this.#expect('354')];
    this.#socket.write(`MAIL FROM:<${from}> SIZE=${message.length}\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
    await Promise.all(replies);
    const done = this.#expect('250');
    this.#socket.write(message);
    this.#socket.write('\r\n.\r\n');
    await done;
  }

  close(): void {
    this.#socket.end('QUIT\r\n');
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
