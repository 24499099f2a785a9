// A bounded pool of worker threads (piscina) for per-message work that would otherwise run on
// the event loop: sender authentication today (mailauth parses the whole message and takes
// tens of milliseconds for a large header), later Sieve and virus scanning. Tasks queue when
// every thread is busy; the queue is bounded too, and past it a task fails at once (the MX
// then defers the message with a 4xx) instead of piling up memory.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

export interface WorkerPoolOptions {
  /** Worker threads; 0 means one per CPU core. */
  threads: number;
  /** Tasks waiting for a thread before new ones are refused. */
  maxQueue: number;
}

export interface TaskOptions {
  transferList?: Transferable[];
  /** Aborting fails the task and ends its thread (the pool starts another). */
  signal?: AbortSignal;
}

export class WorkerPool {
  readonly #piscina: Piscina;

  constructor(options: WorkerPoolOptions) {
    const threads = options.threads > 0 ? options.threads : availableParallelism();
    this.#piscina = new Piscina({
      filename: new URL('./entry.mjs', import.meta.url).href,
      minThreads: 1,
      maxThreads: threads,
      maxQueue: options.maxQueue,
      // A thread is a V8 isolate (about 10 MiB); idle ones beyond the first go after a minute.
      idleTimeout: 60_000,
    });
  }

  get threads(): number {
    return this.#piscina.threads.length;
  }

  run<Result>(name: string, task: unknown, options: TaskOptions = {}): Promise<Result> {
    // piscina's typings predate Transferable in lib.dom; a MessagePort or ArrayBuffer is one.
    return this.#piscina.run(task, { name, transferList: options.transferList as never, signal: options.signal ?? null }) as Promise<Result>;
  }

  close(): Promise<void> {
    return this.#piscina.destroy();
  }
}
