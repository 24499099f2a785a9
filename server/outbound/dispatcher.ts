// Delivery to remote domains with connection reuse: every destination domain has a queue of
// jobs (one message, that domain's recipients of it) and up to `connectionsPerDomain`
// workers, each holding one connection and sending job after job over it until the queue is
// empty. A burst of messages to one domain thus costs a few connections, not one each.
// A global limit bounds all open connections. The dispatcher knows nothing of the spool:
// a job brings a function that opens its content.
import type { Readable } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import { DeliveryFailure } from './failure.ts';
import { mxAllowedByPolicy, type MtaStsPolicies } from './mta-sts.ts';
import type { RouteResolver } from './routes.ts';
import { RemoteSmtp, type ClientTimeouts } from './smtp-client.ts';

export interface DeliveryJob {
  domain: string;
  from: string;
  recipients: string[];
  size: number;
  /** A fresh stream of the message as it goes on the wire, once per transaction. */
  content: () => Readable;
}

export interface RecipientOutcome {
  recipient: string;
  /** Delivered, or else retry (temporary) or bounce (permanent). */
  kind: 'delivered' | 'temporary' | 'permanent';
  /** RFC 3463 status code. */
  status: string;
  diagnostic: string;
  remoteReply: string | null;
  /** The MX host name, for DSNs. */
  remoteMta: string | null;
  /** "host [address]", for the delivery log. */
  remote: string | null;
  tls: boolean;
}

export interface DispatcherOptions {
  routes: RouteResolver;
  mtaSts: MtaStsPolicies;
  heloName: string;
  timeouts: ClientTimeouts;
  maxConnections: number;
  connectionsPerDomain: number;
  trustedCa?: SecureContextOptions['ca'];
}

interface QueuedJob {
  job: DeliveryJob;
  resolve: (outcomes: RecipientOutcome[]) => void;
}

interface DomainState {
  jobs: QueuedJob[];
  workers: number;
  liveConnections: number;
}

export class DeliveryDispatcher {
  readonly #options: DispatcherOptions;
  readonly #domains = new Map<string, DomainState>();
  readonly #openConnections = new Set<RemoteSmtp>();
  readonly #slotWaiters: (() => void)[] = [];
  #slotsInUse = 0;
  #closed = false;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  /** Resolves with one outcome per recipient; never rejects. */
  deliver(job: DeliveryJob): Promise<RecipientOutcome[]> {
    if (this.#closed) return Promise.resolve(failAll(job, SHUTTING_DOWN));
    return new Promise((resolve) => {
      let state = this.#domains.get(job.domain);
      if (!state) {
        state = { jobs: [], workers: 0, liveConnections: 0 };
        this.#domains.set(job.domain, state);
      }
      state.jobs.push({ job, resolve });
      if (state.workers < this.#options.connectionsPerDomain) {
        state.workers += 1;
        void this.#work(job.domain, state);
      }
    });
  }

  /** Ends every connection at once; jobs still waiting fail as temporary (the queue keeps
   * their entries unchanged and tries them after the restart). */
  close(): void {
    this.#closed = true;
    for (const connection of this.#openConnections) connection.abort();
    for (const state of this.#domains.values()) {
      for (const queued of state.jobs.splice(0)) queued.resolve(failAll(queued.job, SHUTTING_DOWN));
    }
    for (const wake of this.#slotWaiters.splice(0)) wake();
  }

  async #work(domain: string, state: DomainState): Promise<void> {
    let connection: RemoteSmtp | null = null;
    let holdsSlot = false;
    const drop = () => {
      if (!connection) return;
      connection.close();
      this.#openConnections.delete(connection);
      state.liveConnections -= 1;
      connection = null;
    };
    try {
      for (let queued = state.jobs.shift(); queued; queued = state.jobs.shift()) {
        if (this.#closed) {
          queued.resolve(failAll(queued.job, SHUTTING_DOWN));
          continue;
        }
        if (connection && !connection.usable) drop();
        if (!connection) {
          if (!holdsSlot) {
            await this.#acquireSlot();
            holdsSlot = true;
          }
          try {
            connection = await this.#connect(domain);
          } catch (error) {
            const failure = asFailure(error);
            if (state.liveConnections > 0 && failure.kind === 'temporary') {
              // Others reach the domain: this connection was one too many (a 421 for the
              // extra connection); they take the job.
              state.jobs.unshift(queued);
              return;
            }
            queued.resolve(failAll(queued.job, failure));
            for (const waiting of state.jobs.splice(0)) waiting.resolve(failAll(waiting.job, failure));
            return;
          }
          if (this.#closed) {
            connection.close();
            connection = null;
            queued.resolve(failAll(queued.job, SHUTTING_DOWN));
            continue;
          }
          this.#openConnections.add(connection);
          state.liveConnections += 1;
        }
        queued.resolve(await this.#send(connection, queued.job));
      }
    } finally {
      drop();
      if (holdsSlot) this.#releaseSlot();
      state.workers -= 1;
      if (state.workers === 0 && state.jobs.length === 0) this.#domains.delete(domain);
    }
  }

  async #connect(domain: string): Promise<RemoteSmtp> {
    const { routes: routeResolver, mtaSts } = this.#options;
    let routes = await routeResolver.resolve(domain);
    const mxRoutes = routes.some((route) => route.viaMx);
    const policy = mxRoutes ? await mtaSts.policyFor(domain) : { mode: 'none' as const, mx: [] };
    if (policy.mode === 'enforce') {
      routes = routes.filter((route) => mxAllowedByPolicy(route.host, policy));
      if (routes.length === 0) {
        throw DeliveryFailure.temporary('4.7.5', `no MX host of ${domain} is allowed by its MTA-STS policy`);
      }
    }
    let lastFailure: unknown;
    for (const route of routes) {
      for (const address of route.addresses) {
        try {
          return await RemoteSmtp.connect({
            route,
            address,
            heloName: this.#options.heloName,
            timeouts: this.#options.timeouts,
            requireValidTls: policy.mode === 'enforce',
            trustedCa: this.#options.trustedCa,
          });
        } catch (error) {
          lastFailure = error;
        }
      }
    }
    throw lastFailure ?? DeliveryFailure.temporary('4.4.1', `no mail server of ${domain} could be reached`);
  }

  async #send(connection: RemoteSmtp, job: DeliveryJob): Promise<RecipientOutcome[]> {
    let content: Readable;
    try {
      content = job.content();
    } catch (error) {
      return failAll(job, DeliveryFailure.temporary('4.3.0', `the queued message could not be read (${(error as Error).message})`));
    }
    const results = await connection.send(job.from, job.recipients, content, job.size);
    return results.map((result): RecipientOutcome => {
      const base = { recipient: result.recipient, remoteMta: connection.host, remote: connection.remote, tls: connection.secure };
      if (result.accepted) {
        return { ...base, kind: 'delivered', status: '2.0.0', diagnostic: result.response, remoteReply: result.response };
      }
      const failure = result.failure;
      return { ...base, kind: failure.kind, status: failure.status, diagnostic: failure.message, remoteReply: failure.response };
    });
  }

  #acquireSlot(): Promise<void> {
    if (this.#slotsInUse < this.#options.maxConnections || this.#closed) {
      this.#slotsInUse += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#slotWaiters.push(() => {
        this.#slotsInUse += 1;
        resolve();
      }),
    );
  }

  #releaseSlot(): void {
    this.#slotsInUse -= 1;
    this.#slotWaiters.shift()?.();
  }
}

const SHUTTING_DOWN = DeliveryFailure.temporary('4.3.2', 'the server is shutting down; delivery resumes after the restart');

function asFailure(error: unknown): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  return DeliveryFailure.temporary('4.4.1', `delivery failed (${(error as Error).message ?? String(error)})`);
}

function failAll(job: DeliveryJob, failure: DeliveryFailure): RecipientOutcome[] {
  return job.recipients.map((recipient) => ({
    recipient,
    kind: failure.kind,
    status: failure.status,
    diagnostic: failure.message,
    remoteReply: failure.response,
    remoteMta: null,
    remote: null,
    tls: false,
  }));
}
