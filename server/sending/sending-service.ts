// The one path for outgoing mail, beside the ingest path for arriving mail. Every message a
// user (or, later, the server on a user's behalf: vacation replies, forwards) sends goes
// through here, whatever front-end took it, tagged with its source:
//
//   sender check (envelope sender is one of the account's addresses; sending limits)
//   → recipients routed (an account here, another server, or refused)
//   → header section read and checked (From/Sender only the account's own addresses),
//     Message-ID and Date added when missing, our Received header in front
//   → streamed once: local recipients through ingest (with our Authentication-Results),
//     remote ones into the encrypted outbound queue, DKIM-signed while it streams
//   → both durable, then: sending limits counted, the messagesOut statistic, the sender's
//     delivery log ("out" per local recipient; the queue logs remote ones as they go), and a
//     DSN for a local copy that could not be stored after acceptance.
//
// Front-ends keep only their protocol: SMTP submission calls the checks from its hooks
// (MAIL FROM, RCPT TO) to refuse early, then send() at DATA; the web API calls them for the
// whole request. Errors are MailErrors, mapped per protocol (server/smtp/errors.ts,
// server/web/errors.ts). The message is plaintext only in memory, as at ingest.
import { randomBytes } from 'node:crypto';
import { splitAddress, validateDomainName } from '../core/addresses.ts';
import { isMailError, MailError } from '../core/errors.ts';
import type { IngestRecipient, IngestSource } from '../core/ingest.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { SendingLimits } from '../core/sending-limits.ts';
import type { DkimKeyring } from '../dkim/keys.ts';
import type { Logger } from '../log.ts';
import type { OutboundMessageWriter, OutboundQueue } from '../queue/outbound-queue.ts';
import { buildDsn } from '../queue/dsn.ts';
import { type ClientHeaderPolicy, withoutClientHeaders } from './client-headers.ts';
import { authorAddresses, completeHeaders, headerFields, readHeaderSection } from './header-section.ts';
import { receivedHeader } from './received-header.ts';
import { submitterAuthenticationResults } from './submitter-authentication.ts';

/** Who handed us the message; also its tag at ingest and in the delivery log. */
export type SendSource = Extract<IngestSource, 'submission' | 'web'>;

/** Where one recipient's copy goes. */
export type SendRoute = { kind: 'local'; recipient: IngestRecipient } | { kind: 'remote'; address: string };

export interface SendRequest {
  source: SendSource;
  accountId: string;
  /** The envelope sender, already accepted by checkSender. */
  from: string;
  /** Routed by route(); at least one. */
  routes: SendRoute[];
  /** The message as the client built it. */
  content: AsyncIterable<Uint8Array>;
  /** Size announced ahead (SMTP SIZE), so a local quota can fail before reading. */
  declaredSize?: number;
  /** For our Received header: the protocol (ESMTPSA, HTTPS) and a fixed name for the
   * webmail (never the client's HELO name or address). */
  received: { protocol: string; heloName?: string };
}

export interface SendOutcome {
  /** The queue entry's id, or a fresh id when every recipient is local. */
  id: string;
  queued: boolean;
  size: number;
  /** Local recipients whose copy could not be stored after the message was accepted. */
  failed: { address: string; error: unknown }[];
}

/** What each source expects when a local copy fails after the message was accepted: SMTP
 * has answered 250 already, so the sender learns it from a DSN; the web request answers
 * per recipient, so a DSN would say it twice. */
const BOUNCES_BY_DSN: Record<SendSource, boolean> = { submission: true, web: false };

export interface SendingServiceOptions {
  core: MailCore;
  /** Null when outbound delivery is off: remote recipients are then refused. */
  queue: OutboundQueue | null;
  dkim: DkimKeyring | null;
  limits: SendingLimits;
  hostname: string;
  recipientsPerMessage: number;
  messageMaxBytes: number;
  /** Client-identifying fields removed before anything else sees the message. */
  clientHeaders: ClientHeaderPolicy;
  logger: Logger;
}

export class SendingService {
  readonly #options: SendingServiceOptions;

  constructor(options: SendingServiceOptions) {
    this.#options = options;
  }

  /** Whether this account may send a message from this envelope sender now. */
  async checkSender(accountId: string, from: string): Promise<void> {
    const own = await this.#options.core.accounts.addresses(accountId);
    if (!from || !own.includes(from.toLowerCase())) throw new MailError('SENDER_NOT_OWNED', `sender address rejected: <${from}> is not one of your addresses`);
    const refusal = this.#options.limits.messageRefusal(accountId);
    if (refusal) throw new MailError('SENDING_LIMIT', refusal);
  }

  /** Whether a message may have this many recipients (counting the one being added). */
  checkRecipientCount(accountId: string, count: number): void {
    const { recipientsPerMessage, limits } = this.#options;
    if (count > recipientsPerMessage) throw new MailError('TOO_MANY_RECIPIENTS', `at most ${recipientsPerMessage} per message`);
    const refusal = limits.recipientRefusal(accountId, count);
    if (refusal) throw new MailError('SENDING_LIMIT', refusal);
  }

  /** Where a recipient's copy goes; refuses what can go nowhere. A local recipient must
   * receive and have room for `declaredSize`. */
  async route(address: string, declaredSize = 0): Promise<SendRoute> {
    const { core, queue } = this.#options;
    const normalized = address.toLowerCase();
    let domain: string;
    try {
      domain = validateDomainName(splitAddress(normalized)?.domain ?? '');
    } catch {
      throw new MailError('ADDRESS_INVALID', `<${address}> has no valid domain`);
    }
    if (!(await core.domains.isLocal(domain))) {
      if (!queue) throw new MailError('REMOTE_DELIVERY_UNAVAILABLE', 'this server does not deliver mail to other servers');
      return { kind: 'remote', address: normalized };
    }
    const accountId = await core.accounts.findIdByAddress(normalized);
    if (!accountId) throw new MailError('ACCOUNT_NONEXISTENT', `no mailbox has the address <${address}>`);
    await core.ingest.checkReceiving(accountId);
    await core.ingest.checkQuota(accountId, declaredSize);
    return { kind: 'local', recipient: { accountId, address: normalized } };
  }

  /** Stores and queues the message; resolves once every copy is durable. */
  async send(request: SendRequest): Promise<SendOutcome> {
    const { core, queue, hostname, messageMaxBytes, logger } = this.#options;
    const local = request.routes.flatMap((route) => (route.kind === 'local' ? [route.recipient] : []));
    const remote = request.routes.flatMap((route) => (route.kind === 'remote' ? [route.address] : []));
    if (local.length + remote.length === 0) throw new MailError('INVALID_ARGUMENT', 'a message needs at least one recipient');
    const from = request.from.toLowerCase();
    const now = new Date(core.clock.now());
    const source = request.content[Symbol.asyncIterator]();
    let writer: OutboundMessageWriter | null = null;
    try {
      const received = await readHeaderSection(source);
      const authors = authorAddresses(headerFields(received.header));
      const own = await core.accounts.addresses(request.accountId);
      if (authors.from.length === 0 || ![...authors.from, ...authors.sender].every((address) => own.includes(address))) {
        throw new MailError('SENDER_NOT_OWNED', 'the From header must name only your own addresses');
      }
      const ours = new Set([hostname.toLowerCase(), ...(await core.domains.list())]);
      const { header } = withoutClientHeaders(received.header, this.#options.clientHeaders, (domain) => ours.has(domain));
      const { bodyStart } = received;
      const completed = completeHeaders(headerFields(header), splitAddress(from)!.domain, now);
      if (remote.length > 0) {
        if (!queue) throw new MailError('REMOTE_DELIVERY_UNAVAILABLE', 'this server does not deliver mail to other servers');
        // Signed with the key of the From domain (one of the account's, so a local one).
        const key = await this.#options.dkim?.forDomain(splitAddress(authors.from[0]!)!.domain);
        if (!key) logger.warn('sending: a sending domain has no DKIM key; run `sealpost domain add` for it');
        writer = queue.openWriter(key ? { key, signTime: now } : null);
      }
      const id = writer?.id ?? randomBytes(8).toString('hex');
      const ourReceived = receivedHeader({ hostname, protocol: request.received.protocol, heloName: request.received.heloName, queueId: id, date: now });
      const counted = { size: 0 };
      const content = tee(message([ourReceived, completed.added, header, bodyStart], source), writer, messageMaxBytes, counted);
      let failed: SendOutcome['failed'] = [];
      if (local.length > 0) {
        const outcome = await core.ingest.deliver({
          source: request.source,
          recipients: local,
          // Only the local copy says who sent it; the queue gets the message without.
          content: prefixed(submitterAuthenticationResults(hostname, from), content),
          declaredSize: request.declaredSize || undefined,
          deliveryLog: { direction: 'in', remote: null, status: 'stored' },
        });
        failed = outcome.failed;
      } else {
        for await (const chunk of content) void chunk;
      }
      if (writer) await writer.commit({ source: request.source, from, senderAccountId: request.accountId, messageId: completed.messageId, recipients: remote });
      const queued = writer !== null;
      writer = null;
      this.#options.limits.record(request.accountId, local.length + remote.length);
      core.statistics.count('messagesOut');
      await this.#recordLocalDeliveries(request, from, local, failed, { header, messageId: completed.messageId, id, size: counted.size, now: now.getTime() });
      logger.info(
        { source: request.source, queueId: id, local: local.length - failed.length, remote: remote.length, size: counted.size },
        'sending: message accepted',
      );
      return { id, queued, size: counted.size, failed };
    } catch (error) {
      await source.return?.().catch(() => undefined);
      await writer?.abort().catch(() => undefined);
      throw error;
    }
  }

  /** The sender's side of local deliveries: an "out" entry per recipient in the delivery
   * log, and a DSN for any recipient whose copy could not be stored after acceptance. */
  async #recordLocalDeliveries(
    request: SendRequest,
    from: string,
    local: IngestRecipient[],
    failed: SendOutcome['failed'],
    message: { header: Buffer; messageId: string | null; id: string; size: number; now: number },
  ): Promise<void> {
    const { core, hostname, logger } = this.#options;
    if (local.length === 0) return;
    const failedAddresses = new Set(failed.map((entry) => entry.address));
    await core.deliveryLog.recordSent(
      request.accountId,
      local.map((recipient) => ({
        address: from,
        time: message.now,
        size: message.size,
        remote: null,
        status: failedAddresses.has(recipient.address) ? 'bounced: could not be stored' : 'delivered locally',
        source: request.source,
        recipientDomain: splitAddress(recipient.address)!.domain,
      })),
    );
    if (failed.length === 0 || !BOUNCES_BY_DSN[request.source]) return;
    const dsn = buildDsn({
      action: 'failed',
      reportingMta: hostname,
      sender: from,
      queueId: message.id,
      arrivalDate: message.now,
      now: message.now,
      recipients: failed.map((entry) => ({
        address: entry.address,
        status: isMailError(entry.error, 'QUOTA_EXCEEDED') ? '4.2.2' : '4.3.0',
        diagnostic: isMailError(entry.error) ? entry.error.message : 'the message could not be stored',
        remoteReply: null,
        remoteMta: null,
        lastAttemptAt: message.now,
      })),
      originalHeaders: message.header,
      originalMessageId: message.messageId,
    });
    await core.ingest
      .deliver({ source: 'system', recipients: [{ accountId: request.accountId, address: from }], content: single(dsn) })
      .catch((error: unknown) => logger.warn({ code: (error as { code?: string }).code }, 'sending: a DSN could not be stored'));
  }
}

/** The message as stored and sent: our trace and completion headers, then the client's. */
async function* message(front: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  for (const part of front) if (part.byteLength > 0) yield part;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** The content with one more header line in front of everything. */
async function* prefixed(header: Uint8Array, content: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield header;
  yield* content;
}

/** Passes the message on while the queue writer (if any) receives the same bytes. */
async function* tee(
  source: AsyncIterable<Uint8Array>,
  writer: OutboundMessageWriter | null,
  limit: number,
  counted: { size: number },
): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    counted.size += chunk.byteLength;
    if (counted.size > limit) throw new MailError('MESSAGE_TOO_LARGE', `the message exceeds the size limit of ${limit} octets`);
    if (writer) await writer.write(chunk);
    yield chunk;
  }
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
