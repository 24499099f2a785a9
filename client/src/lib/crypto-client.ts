// The page's side of the crypto worker: one worker for the page's life, typed calls that
// resolve with the worker's answer. Restarting the worker (terminate) is the hardest lock:
// the keys die with its memory.
import type { WorkerMethod, WorkerMethods, WorkerRequest, WorkerResponse } from './worker/protocol.ts';

export class CryptoWorkerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoWorkerError';
  }
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();

function start(): Worker {
  const created = new Worker(new URL('./crypto.worker.ts', import.meta.url), { type: 'module', name: 'sealpost-crypto' });
  created.onmessage = (event: MessageEvent<WorkerResponse>) => {
    const waiting = pending.get(event.data.id);
    if (!waiting) return;
    pending.delete(event.data.id);
    if ('error' in event.data) waiting.reject(new CryptoWorkerError(event.data.error.code, event.data.error.message));
    else waiting.resolve(event.data.result);
  };
  created.onerror = (event) => {
    for (const waiting of pending.values()) waiting.reject(new CryptoWorkerError('WORKER_FAILED', event.message || 'the crypto worker failed'));
    pending.clear();
  };
  return created;
}

export function callWorker<M extends WorkerMethod>(
  method: M,
  params: Parameters<WorkerMethods[M]>[0],
  transfer: Transferable[] = [],
): Promise<ReturnType<WorkerMethods[M]>> {
  worker ??= start();
  const id = nextId++;
  const request: WorkerRequest<M> = { id, method, params };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    worker!.postMessage(request, transfer);
  });
}

/** Starts the worker (and its WASM) early, while the user is still typing. */
export function warmUpWorker(): void {
  worker ??= start();
}

/** Ends the worker and everything in its memory; the next call starts a fresh one. */
export function terminateWorker(): void {
  worker?.terminate();
  worker = undefined;
  for (const waiting of pending.values()) waiting.reject(new CryptoWorkerError('LOCKED', 'the mailbox was locked'));
  pending.clear();
}
