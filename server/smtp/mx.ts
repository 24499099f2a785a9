// SECURITY: the MX listener faces the whole internet. It trusts nothing it receives: peers
// are other mail servers or anyone pretending to be one. It holds no user keys: arriving mail
// is encrypted to each recipient's public key while it streams in and is acknowledged (250)
// only once ciphertext and index are fsynced. With checks configured (server/filter/), the
// message is held in memory until SPF/DKIM/DMARC and the spam verdict are known, never on
// disk, within one budget for all connections (smtp.mx.maxBufferedBytes). The peer's address
// is written only into the delivery log (7 days) and the Received and Authentication-Results
// headers, which are stored encrypted with the message.
import { randomBytes } from 'node:crypto';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/schema.ts';
import { splitAddress } from '../core/addresses.ts';
import { MailError } from '../core/errors.ts';
import type { IngestRecipient } from '../core/ingest.ts';
import type { MailCore } from '../core/mail-core.ts';
import { HeaderMeter, type HeaderLimits } from '../../mime/header-meter.ts';
import type { ArrivalEnvelope } from '../filter/authentication.ts';
import type { InboundChecks } from '../filter/inbound-checks.ts';
import type { RunningListener } from '../listeners/bind.ts';
import type { ConnectionGate } from '../listeners/connection-gate.ts';
import type { Logger } from '../log.ts';
import type { BufferBudget, BufferReservation } from './buffer-budget.ts';
import type { ConfiguredReply } from './configured-reply.ts';
import { installEnhancedStatusOverride, smtpReply } from './enhanced-status.ts';
import { isSmtpReply, localError, outOfSpaceReply, smtpReplyForMailError } from './errors.ts';
import { listenSmtp } from './listen.ts';
import { declaredSizeOf, installRepeatedParameterOverride } from './mail-from.ts';
import { receivedHeader } from '../sending/received-header.ts';

export interface MxOptions {
  core: MailCore;
  config: Pick<Config, 'hostname' | 'limits'> & { mx: Config['smtp']['mx'] };
  tls: { key: string | Buffer; cert: string | Buffer };
  /** Admission of new sockets (smtp.mx.maxConnections and perClient). */
  gate: ConnectionGate;
  logger: Logger;
  host: string;
  port: number;
  /** The answer for a mailbox whose receiving is off (config lifecycle.disabledMailboxReply). */
  disabledReply: ConfiguredReply;
  checks: InboundChecks;
  /** Bounds the bytes of messages held in memory for the checks (smtp.mx.maxBufferedBytes). */
  bufferBudget: BufferBudget;
}

/** Failed RCPTs tolerated per connection before it is closed: enough for a mailing list
 * with a few stale addresses, too few for harvesting which addresses exist. */
const MAX_FAILED_RECIPIENTS = 20;

type MxSession = SMTPServerSession & {
  failedRecipients?: number;
  pendingEnhancedStatus?: string;
  /** Recipients resolved at RCPT, reused at DATA instead of looking them up again. */
  acceptedRecipients?: Map<string, IngestRecipient>;
};

export async function startMx(options: MxOptions): Promise<RunningListener> {
  installEnhancedStatusOverride();
  installRepeatedParameterOverride();
  const { core, config, logger, disabledReply, checks, bufferBudget } = options;
  const errorSettings = { messageMaxBytes: config.limits.messageMaxBytes, disabledReply };
  const headerLimits: HeaderLimits = { maxBytes: config.mx.maxHeaderBytes, maxFields: config.mx.maxHeaderFields };
  const refuseForBudget = (session: MxSession) => smtpReply(session, 452, '4.3.1', 'Insufficient system storage, try again later');
  /** A mail-core error as its SMTP reply; anything else is logged and a local error. */
  const replyFor = (session: MxSession, error: unknown, step: string, queueId?: string) => {
    if (isSmtpReply(error)) return error;
    const reply = smtpReplyForMailError(session, error, errorSettings) ?? outOfSpaceReply(session, error, logger);
    if (reply) return reply;
    logger.error({ queueId, err: error }, `mx: ${step} failed`);
    return localError(session);
  };

  const resolveRecipient = async (address: string): Promise<IngestRecipient> => {
    const parts = splitAddress(address.toLowerCase());
    if (!parts || !(await core.domains.isLocal(parts.domain))) throw new MailError('DOMAIN_UNKNOWN', 'not a domain of this server');
    const accountId = await core.accounts.findIdByAddress(address);
    if (!accountId) throw new MailError('ACCOUNT_NONEXISTENT', 'no such user');
    return { accountId, address: address.toLowerCase() };
  };

  const server = new SMTPServer({
    name: config.hostname,
    banner: 'Sealpost ESMTP',
    key: options.tls.key,
    cert: options.tls.cert,
    size: config.limits.messageMaxBytes,
    rejectOversized: true,
    disabledCommands: ['AUTH'],
    authOptional: true,
    disableReverseLookup: true,
    hideDSN: true,
    // smtp-server leaves RFC 2034 codes off unless asked; senders and tests rely on them.
    hideENHANCEDSTATUSCODES: false,
    logger: false,
    socketTimeout: config.mx.socketTimeoutMs,
    maxCommandLength: config.mx.maxCommandLength,
    maxRecipients: config.limits.recipientsPerMessage,

    // A declared SIZE (RFC 1870) that does not fit the budget now is deferred before the
    // sender transmits it. It is checked, not reserved: a reservation would let a peer hold
    // the budget by announcing sizes it never sends; the bytes that arrive are counted in DATA.
    onMailFrom(address, session: MxSession, callback) {
      if (checks.enabled && !bufferBudget.hasRoomFor(declaredSizeOf(address))) {
        logger.info({ bufferedBytes: bufferBudget.bufferedBytes }, 'mx: declared size deferred, the buffer budget is spent');
        return callback(refuseForBudget(session));
      }
      callback();
    },

    onRcptTo(address, session: MxSession, callback) {
      const declaredSize = declaredSizeOf(session.envelope.mailFrom);
      resolveRecipient(address.address)
        .then(async (recipient) => {
          await core.ingest.checkReceiving(recipient.accountId);
          await core.ingest.checkQuota(recipient.accountId, declaredSize);
          session.acceptedRecipients ??= new Map();
          session.acceptedRecipients.set(address.address.toLowerCase(), recipient);
          callback();
        })
        .catch((error: unknown) => {
          session.failedRecipients = (session.failedRecipients ?? 0) + 1;
          if (session.failedRecipients > MAX_FAILED_RECIPIENTS) {
            return callback(smtpReply(session, 421, '4.7.0', 'Too many invalid recipients, closing connection'));
          }
          callback(replyFor(session, error, 'recipient lookup'));
        });
    },

    onData(stream: SMTPServerDataStream, session: MxSession, callback) {
      receive(stream, session)
        .then((reply) => callback(null, reply))
        .catch((error: unknown) => {
          stream.resume();
          callback(error as Error);
        });
    },
  });

  const receive = async (stream: SMTPServerDataStream, session: MxSession): Promise<string> => {
    const queueId = randomBytes(8).toString('hex');
    const recipients: IngestRecipient[] = [];
    for (const rcpt of session.envelope.rcptTo) {
      recipients.push(session.acceptedRecipients?.get(rcpt.address.toLowerCase()) ?? (await resolveRecipient(rcpt.address)));
    }
    session.acceptedRecipients?.clear();
    const header = receivedHeader({
      heloName: session.hostNameAppearsAs || 'unknown',
      peerAddress: session.remoteAddress,
      hostname: config.hostname,
      protocol: session.transmissionType || 'ESMTP',
      queueId,
      date: new Date(core.clock.now()),
    });
    const reservation = bufferBudget.reserve();
    try {
      let content: AsyncIterable<Uint8Array>;
      if (!checks.enabled) {
        content = prepend([header], limitHeader(stream.iterator({ destroyOnReturn: false }), headerLimits));
      } else {
        const message = await readMessage(stream, config.limits.messageMaxBytes, headerLimits, reservation);
        if (message === 'too large') throw new MailError('MESSAGE_TOO_LARGE', 'message too large');
        if (message === 'header too large') throw headerTooLarge();
        if (message === 'over budget') {
          logger.info({ queueId, bufferedBytes: bufferBudget.bufferedBytes }, 'mx: message deferred, the buffer budget is spent');
          throw refuseForBudget(session);
        }
        const envelope: ArrivalEnvelope = {
          peerAddress: session.remoteAddress,
          helo: session.hostNameAppearsAs || '',
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          recipients: recipients.map((recipient) => recipient.address),
          queueId,
        };
        const { headers, disposition } = await checks.run(message, envelope);
        if (disposition.kind === 'refuse') {
          logger.info({ queueId, because: disposition.because }, 'mx: message refused by the checks');
          if (disposition.because !== 'spam-check-unavailable') core.statistics.count('spamRejected');
          throw smtpReply(session, disposition.code, disposition.enhancedStatus, disposition.text);
        }
        if (disposition.folder === '\\Junk') {
          logger.info({ queueId, because: disposition.because }, 'mx: message filed as junk');
          core.statistics.count('spamJunked');
        }
        for (const recipient of recipients) recipient.specialUse = disposition.folder;
        // The checks' headers above our Received header: the webmail believes only what
        // stands above the first Received header, so a sender cannot forge them.
        content = prepend([Buffer.from(headers), header], [message]);
      }
      const outcome = await core.ingest.deliver({
        source: 'mx',
        recipients,
        content,
        // The sending server's address only: its HELO name is its own choice, tells the user
        // nothing the address does not, and the log keeps no more than it needs (issue 12, item 11).
        deliveryLog: { direction: 'in', remote: `[${session.remoteAddress}]`, status: 'stored' },
      });
      if (outcome.failed.length > 0) {
        logger.warn({ queueId, failed: outcome.failed.length, stored: outcome.stored.length }, 'mx: some recipients could not be stored');
      }
      logger.info({ queueId, recipients: outcome.stored.length, size: outcome.stored[0]?.size }, 'mx: message stored');
      return `Ok: stored as ${queueId}`;
    } catch (error) {
      // MAILBOX_DISABLED here: receiving stopped between RCPT and the end of DATA.
      throw replyFor(session, stream.sizeExceeded ? new MailError('MESSAGE_TOO_LARGE', 'message too large') : error, 'storing a message', queueId);
    } finally {
      // Stored, refused, or the peer left mid-DATA (the stream then fails): the bytes go back.
      reservation.release();
    }
  };

  // smtp-server reports socket and protocol errors here; they carry the peer's address,
  // so only the code is logged.
  server.on('error', (error: Error & { code?: string }) => logger.debug({ code: error.code }, 'mx: connection error'));

  return listenSmtp(server, { name: 'mx', host: options.host, port: options.port, gate: options.gate, logger, hostname: config.hostname });
}

async function* prepend(first: Uint8Array[], rest: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* first;
  yield* rest;
}

function headerTooLarge(): MailError {
  return new MailError('HEADER_SECTION_TOO_LARGE', 'the header section is too large');
}

/** The chunks as they come, refused once the header section passes its limits. */
async function* limitHeader(chunks: AsyncIterable<Uint8Array>, limits: HeaderLimits): AsyncIterable<Uint8Array> {
  const meter = new HeaderMeter(limits);
  for await (const chunk of chunks) {
    if (meter.push(chunk) === 'too large') throw headerTooLarge();
    yield chunk;
  }
}

type NotKept = 'too large' | 'header too large' | 'over budget';

/** Memory the sender checks take per header byte beyond the message itself: mailauth keeps
 * about 12 bytes of strings and objects per byte of a 1 MiB header of 2,000 fields (measured
 * with process.memoryUsage, 2026-12-07). The budget counts it, so many large headers at once
 * are deferred rather than held. */
const PARSED_HEADER_GROWTH = 12;

/** Feeds the meter; when the header section completes, reserves what parsing it will take.
 * False when the header is too large or the reservation does not fit. */
function measureHeader(meter: HeaderMeter, chunk: Uint8Array, reservation: BufferReservation): boolean {
  if (meter.verdict !== 'reading') return true;
  const verdict = meter.push(chunk);
  if (verdict === 'too large') return false;
  return verdict === 'reading' || reservation.add(meter.bytes * PARSED_HEADER_GROWTH);
}

/** The whole message, its bytes (and what parsing its header will take) held by
 * `reservation`; or why it was not kept: past the size limit (permanent, so it wins), past
 * the header limits, or past the buffer budget. Once a message is not kept, what it held
 * is dropped and given back at once, and the rest is drained. */
async function readMessage(
  stream: SMTPServerDataStream,
  maxBytes: number,
  headerLimits: HeaderLimits,
  reservation: BufferReservation,
): Promise<Buffer | NotKept> {
  let chunks: Buffer[] = [];
  let size = 0;
  let dropped: NotKept | null = null;
  const meter = new HeaderMeter(headerLimits);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (dropped) continue;
    if (size > maxBytes) dropped = 'too large';
    else if (!measureHeader(meter, chunk, reservation)) dropped = meter.verdict === 'too large' ? 'header too large' : 'over budget';
    else if (!reservation.add(chunk.length)) dropped = 'over budget';
    if (!dropped) {
      chunks.push(chunk);
    } else {
      chunks = [];
      reservation.release();
    }
  }
  if (size > maxBytes || stream.sizeExceeded) return 'too large';
  // A message that is all header (no empty line) is parsed as one too.
  if (!dropped && meter.verdict === 'reading' && !reservation.add(meter.bytes * PARSED_HEADER_GROWTH)) dropped = 'over budget';
  if (dropped) {
    reservation.release();
    return dropped;
  }
  // In shared memory, so that the worker threads running the checks read it without a copy.
  const message = Buffer.from(new SharedArrayBuffer(size));
  let offset = 0;
  for (const chunk of chunks) offset += chunk.copy(message, offset);
  return message;
}
