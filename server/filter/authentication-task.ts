// Sender authentication as a worker-thread task (server/workers/): mailauth parses and hashes
// the whole message, which for a large header takes tens of milliseconds, so it runs off the
// event loop. DNS stays on the main thread, behind its cache and the configured resolvers:
// the task asks over the MessagePort it is given, one question per message on the port.
import type { MessagePort } from 'node:worker_threads';
import { authenticate } from 'mailauth';
import type { AuthenticationVerdict, DmarcPolicy } from './authentication.ts';

export interface AuthenticationTask {
  /** The message, usually a view of a SharedArrayBuffer, so that it is not copied. */
  message: Uint8Array;
  ip: string;
  helo: string;
  /** MAIL FROM; empty for bounces. */
  sender: string;
  /** The authserv-id: this server's host name. */
  hostname: string;
  /** Answers { id, name, rrtype } with { id, answer } or { id, error: { code, message } }. */
  dns: MessagePort;
}

export interface DnsQuestion {
  id: number;
  name: string;
  rrtype: string;
}

export type DnsReply = { id: number; answer: unknown } | { id: number; error: { code?: string; message: string } };

/** RFC 8301 section 3.2: verifiers must accept 1024-bit keys and may refuse shorter ones. */
const MIN_DKIM_KEY_BITS = 1024;
const DMARC_POLICIES: ReadonlySet<string> = new Set(['none', 'quarantine', 'reject']);

export async function authenticateSender(task: AuthenticationTask): Promise<AuthenticationVerdict | 'unparseable'> {
  const { dns } = task;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (answer: never) => void; reject: (error: Error) => void }>();
  dns.on('message', (reply: DnsReply) => {
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (!pending) return;
    if ('error' in reply) pending.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    else pending.resolve(reply.answer as never);
  });
  const resolver = (name: string, rrtype: string) =>
    new Promise<never>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      dns.postMessage({ id, name, rrtype } satisfies DnsQuestion);
    });
  try {
    const result = await authenticate(Buffer.from(task.message.buffer, task.message.byteOffset, task.message.byteLength), {
      ip: task.ip,
      helo: task.helo,
      sender: task.sender,
      mta: task.hostname,
      resolver,
      minBitLength: MIN_DKIM_KEY_BITS,
      // A seal needs our own ARC key; verifying only would change no decision here.
      disableArc: true,
      // BIMI logos are fetched from the sender's web server: a request per message that
      // tells the sender when mail was read is exactly what the webmail blocks.
      disableBimi: true,
      trustReceived: false,
    });
    const dmarc = result.dmarc;
    const failed = dmarc && dmarc.status?.result === 'fail';
    const policy = failed && typeof dmarc.policy === 'string' && DMARC_POLICIES.has(dmarc.policy) ? (dmarc.policy as DmarcPolicy) : 'none';
    return { headers: result.headers, dmarcFailure: failed ? { domain: String(dmarc.domain ?? ''), policy } : null };
  } catch {
    // mailauth parses hostile input; a failure there must not lose the message.
    return 'unparseable';
  } finally {
    dns.close();
  }
}
