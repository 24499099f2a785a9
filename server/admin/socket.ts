// SECURITY: the admin socket lets the operator's CLI act on the running server (LevelDB
// allows one process). It is a Unix socket inside the 0700 data directory, itself 0600:
// only the operator's user can connect. It trusts its caller as the operator, but requests
// still carry no secrets: the CLI derives keys itself and sends verifiers and wrapped keys.
// Protocol: one JSON request per line `{id, method, params}`, one JSON reply per line
// `{id, result}` or `{id, error: {code, message}}`; a long operation (a retention run) may
// send `{id, progress}` lines before its reply.
import { chmod, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log.ts';
import type { AdminCallContext, AdminMethodName, AdminMethods, AdminParams, AdminResult } from './operations.ts';

/** A request line longer than this is refused: admin requests are small JSON objects. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface AdminClient {
  call<M extends AdminMethodName>(method: M, params: AdminParams<M>, options?: { onProgress?: (progress: unknown) => void }): Promise<AdminResult<M>>;
  close(): Promise<void>;
}

export class AdminError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export async function startAdminSocket(path: string, methods: AdminMethods, logger: Logger): Promise<{ close(): Promise<void> }> {
  await unlink(path).catch(() => undefined);
  const server: Server = createServer((socket) => serveConnection(socket, methods, logger));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return {
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(path).catch(() => undefined);
    },
  };
}

function serveConnection(socket: Socket, methods: AdminMethods, logger: Logger): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (text: string) => {
    buffer += text;
    if (buffer.length > MAX_REQUEST_BYTES) {
      socket.end(`${JSON.stringify({ id: null, error: { code: 'REQUEST_TOO_LARGE', message: 'request too large' } })}\n`);
      return;
    }
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const send = (message: unknown) => {
        if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
      };
      void handleLine(line, methods, logger, send).then(send);
    }
  });
}

async function handleLine(line: string, methods: AdminMethods, logger: Logger, send: (message: unknown) => void): Promise<unknown> {
  let request: { id?: unknown; method?: unknown; params?: unknown };
  try {
    request = JSON.parse(line);
  } catch {
    return { id: null, error: { code: 'BAD_REQUEST', message: 'not JSON' } };
  }
  const method = request.method;
  if (typeof method !== 'string' || !Object.hasOwn(methods, method)) {
    return { id: request.id ?? null, error: { code: 'UNKNOWN_METHOD', message: `unknown method ${String(method)}` } };
  }
  try {
    const handler = methods[method as AdminMethodName] as (params: unknown, context: AdminCallContext) => Promise<unknown>;
    const context: AdminCallContext = { progress: (progress) => send({ id: request.id ?? null, progress }) };
    return { id: request.id ?? null, result: await handler(request.params ?? {}, context) };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'INTERNAL';
    if (code === 'INTERNAL') logger.error({ err: error, method }, 'admin: operation failed');
    return { id: request.id ?? null, error: { code, message: (error as Error).message } };
  }
}

/** Connects to a running server; resolves null when none listens on the socket. */
export async function connectAdminSocket(path: string): Promise<AdminClient | null> {
  const socket = await new Promise<Socket | null>((resolve) => {
    const candidate = createConnection(path);
    candidate.once('connect', () => resolve(candidate));
    candidate.once('error', () => resolve(null));
  });
  if (!socket) return null;
  socket.setEncoding('utf8');
  let nextId = 1;
  let buffer = '';
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void; onProgress?: (progress: unknown) => void }>();
  socket.on('data', (text: string) => {
    buffer += text;
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const reply = JSON.parse(buffer.slice(0, newline)) as { id: number; result?: unknown; error?: { code: string; message: string }; progress?: unknown };
      buffer = buffer.slice(newline + 1);
      if ('progress' in reply) {
        waiting.get(reply.id)?.onProgress?.(reply.progress);
        continue;
      }
      const pending = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (!pending) continue;
      if (reply.error) pending.reject(new AdminError(reply.error.code, reply.error.message));
      else pending.resolve(reply.result);
    }
  });
  socket.on('close', () => {
    for (const pending of waiting.values()) pending.reject(new AdminError('DISCONNECTED', 'the server closed the admin connection'));
    waiting.clear();
  });
  return {
    call: (method, params, options) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, onProgress: options?.onProgress });
        socket.write(`${JSON.stringify({ id, method, params })}\n`);
      }),
    close: async () => {
      socket.end();
    },
  };
}
