// A client of rspamd's HTTP protocol (the normal worker's /checkv2): the message in the body,
// the envelope in request headers, a score and an action back. rspamd runs beside Sealpost as
// the operator's spam filter. It gets the plaintext and the peer server's address, so every
// request asks it to keep no record (no_log); docs/operations.md gives its log settings.
import { request } from 'node:http';
import type { ArrivalEnvelope } from './authentication.ts';

/** rspamd's actions, from its metric configuration (actions.conf). */
export type RspamdAction = 'no action' | 'greylist' | 'add header' | 'rewrite subject' | 'soft reject' | 'reject';
const ACTIONS: ReadonlySet<string> = new Set(['no action', 'greylist', 'add header', 'rewrite subject', 'soft reject', 'reject']);

export interface SpamScore {
  action: RspamdAction;
  score: number;
}

/** rspamd's reply is small (symbols and scores); anything larger is not rspamd. */
const MAX_REPLY_BYTES = 1024 * 1024;

export class RspamdClient {
  readonly #url: URL;
  readonly #timeoutMs: number;

  constructor(url: string, timeoutMs: number) {
    this.#url = new URL('/checkv2', url);
    if (this.#url.protocol !== 'http:') throw new Error(`rspamd url must be http://host:port, not ${url}`);
    this.#timeoutMs = timeoutMs;
  }

  /** Rejects when rspamd cannot be reached, times out or answers something else. */
  check(message: Buffer, envelope: ArrivalEnvelope): Promise<SpamScore> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        this.#url,
        {
          method: 'POST',
          timeout: this.#timeoutMs,
          headers: {
            'Content-Length': message.length,
            IP: envelope.peerAddress,
            Helo: envelope.helo,
            From: envelope.mailFrom || '<>',
            Rcpt: envelope.recipients,
            'Queue-Id': envelope.queueId,
            // Keeps the message out of rspamd's log line and its roll history, which would
            // otherwise hold sender, recipients, subject and peer address.
            Flags: 'no_log',
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_REPLY_BYTES) return response.destroy(new Error('rspamd reply too large'));
            chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            if (response.statusCode !== 200) return reject(new Error(`rspamd answered HTTP ${response.statusCode}`));
            try {
              resolve(parseReply(Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`rspamd did not answer within ${this.#timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(message);
    });
  }
}

function parseReply(text: string): SpamScore {
  const reply = JSON.parse(text) as { action?: unknown; score?: unknown };
  if (typeof reply.action !== 'string' || !ACTIONS.has(reply.action) || typeof reply.score !== 'number' || !Number.isFinite(reply.score)) {
    throw new Error('rspamd reply lacks an action or a score');
  }
  return { action: reply.action as RspamdAction, score: reply.score };
}
