// Small file helpers of the backup directory: durable writes (fsync, then rename, then fsync
// of the directory) and line-oriented streams with a running SHA-256.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { constants } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FILE_MODE } from './format.ts';

/** Lines are gathered up to this size before a write: few syscalls, bounded memory. */
const LINE_BUFFER_BYTES = 1024 * 1024;

export class LineWriter {
  readonly #handle: FileHandle;
  readonly #hash: Hash = createHash('sha256');
  #buffer: string[] = [];
  #buffered = 0;
  bytes = 0;
  lines = 0;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async create(path: string): Promise<LineWriter> {
    return new LineWriter(await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE));
  }

  async write(record: unknown): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    this.#buffer.push(line);
    this.#buffered += line.length;
    this.lines += 1;
    if (this.#buffered >= LINE_BUFFER_BYTES) await this.#flush();
  }

  /** Flushes, fsyncs and closes; returns the file's SHA-256. */
  async finish(): Promise<string> {
    await this.#flush();
    await this.#handle.sync();
    await this.#handle.close();
    return this.#hash.digest('hex');
  }

  async abandon(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }

  async #flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const bytes = Buffer.from(this.#buffer.join(''), 'utf8');
    this.#buffer = [];
    this.#buffered = 0;
    this.#hash.update(bytes);
    this.bytes += bytes.length;
    await this.#handle.write(bytes);
  }
}

/** Parsed lines of a JSON-lines file, in order. */
export async function* readLines<T>(path: string): AsyncIterable<T> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length > 0) yield JSON.parse(line) as T;
  }
}

export async function sha256OfFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export async function writeFileDurably(path: string, contents: string): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, FILE_MODE);
  try {
    await handle.write(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
