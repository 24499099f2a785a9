// SECURITY: the submission listeners (587 with STARTTLS, 465 with implicit TLS) face the
// internet and accept mail only from authenticated users. AUTH is offered only over TLS and
// only for app passwords; the keys an app password unlocks are wiped at once (submission
// needs none). The client's address is used only in memory, to throttle failed logins; it
// is never logged, stored, or written into the message: the Received header names neither
// the client's address nor its HELO name (DESIGN.md promise 4). A sender may use only the
// account's own addresses, in the envelope and in From/Sender. Local recipients go through
// the ingest path (encrypted to them, durable before 250, with our Authentication-Results
// naming the sending address above the Received header); remote recipients go to the
// encrypted outbound queue, DKIM-signed while the message streams in, durable before 250.
import { randomBytes } from 'node:crypto';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { AppPasswordLogin } from '../auth/app-password-login.ts';
import { throttleSourceOf } from '../auth/login-throttle.ts';
import type { Config } from '../config/schema.ts';
import { splitAddress, validateDomainName } from '../core/addresses.ts';
import { isMailError, MailError } from '../core/errors.ts';
import type { IngestRecipient } from '../core/ingest.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { DkimKeyring } from '../dkim/keys.ts';
import { bindListener } from '../listeners/bind.ts';
import type { Logger } from '../log.ts';
import type { OutboundMessageWriter, OutboundQueue } from '../queue/outbound-queue.ts';
import { buildDsn } from '../queue/dsn.ts';
import { installEnhancedStatusOverride, smtpReply } from './enhanced-status.ts';
import type { ConfiguredReply } from './configured-reply.ts';
import type { RunningListener } from './mx.ts';
import { receivedHeader } from './received-header.ts';
import type { SendingLimits } from '../core/sending-limits.ts';
import { authorAddresses, completeHeaders, headerFields, HeaderSectionTooLarge, readHeaderSection } from './submission-headers.ts';
import { submitterAuthenticationResults } from './submitter-authentication.ts';

export interface SubmissionOptions {
  core: MailCore;
  /** Null when outbound delivery is disabled: then only local recipients are accepted. */
  queue: OutboundQueue | null;
  dkim: DkimKeyring;
  login: AppPasswordLogin;
  limits: SendingLimits;
  config: Pick<Config, 'hostname' | 'limits'> & { submission: Config['smtp']['submission'] };
  tls: { key: string | Buffer; cert: string | Buffer };
  /** true: TLS from the first byte (465); false: STARTTLS (587). */
  implicitTls: boolean;
  logger: Logger;
  host: string;
  port: number;
  /** The answer for a local recipient whose receiving is off (lifecycle.disabledMailboxReply). */
  disabledReply: ConfiguredReply;
}

/** AUTH attempts per connection: a client with the wrong password gets a few tries (typos,
 * a second configured account), then must reconnect. */
const MAX_AUTH_ATTEMPTS_PER_CONNECTION = 3;

/** Who an authenticated session is; the keys the app password unlocked are wiped at once. */
interface SubmissionUser {
  accountId: string;
}

type SubmissionSession = SMTPServerSession & {
  pendingEnhancedStatus?: string;
  authAttempts?: number;
  /** The account's addresses, read at MAIL FROM for the From check at DATA. */
  ownAddresses?: string[];
};

export async function startSubmission(options: SubmissionOptions): Promise<RunningListener> {
  installEnhancedStatusOverride();
  const { core, queue, config, logger, login, limits } = options;
  const listenerName = options.implicitTls ? 'submissions' : 'submission';
  const userOf = (session: SubmissionSession) => session.user as SubmissionUser | undefined;

  const server = new SMTPServer({
    name: config.hostname,
    banner: 'Sealpost ESMTP submission',
    key: options.tls.key,
    cert: options.tls.cert,
    secure: options.implicitTls,
    size: config.limits.messageMaxBytes,
    rejectOversized: true,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    allowInsecureAuth: false,
    disableReverseLookup: true,
    hideDSN: true,
    // smtp-server leaves RFC 2034 codes off unless asked; clients and tests rely on them.
    hideENHANCEDSTATUSCODES: false,
    logger: false,
    maxClients: config.submission.maxConnections,
    socketTimeout: config.submission.socketTimeoutMs,

    onConnect(session: SubmissionSession, callback) {
      // No AUTH in the capability list (or accepted) before TLS; onSecure lifts this.
      if (!options.implicitTls) session.disabledCommands = ['AUTH'];
      callback();
    },

    onSecure(_socket, session: SubmissionSession, callback) {
      session.disabledCommands = undefined;
      callback();
    },

    onAuth(auth, session: SubmissionSession, callback) {
      session.authAttempts = (session.authAttempts ?? 0) + 1;
      if (session.authAttempts > MAX_AUTH_ATTEMPTS_PER_CONNECTION) {
        return callback(smtpReply(session, 421, '4.7.0', 'Too many failed logins on this connection; closing'));
      }
      // The client address is a throttling key in memory and goes nowhere else.
      login
        .attempt(auth.username ?? '', auth.password ?? '', throttleSourceOf(session.remoteAddress))
        .then((outcome) => {
          if (outcome.kind === 'unlocked') {
            const { accountId, keys } = outcome.unlocked;
            core.context.crypto.wipe(keys.masterKey, keys.privateKey);
            const user: SubmissionUser = { accountId };
            return callback(null, { user });
          }
          if (outcome.kind === 'throttled') return callback(smtpReply(session, 454, '4.7.0', 'Too many failed logins; try again later'));
          // RFC 7372: 5.7.13, user account disabled; said only to whoever knew the password.
          if (outcome.kind === 'disabled') return callback(smtpReply(session, 525, '5.7.13', `Account disabled: ${outcome.reason}`));
          callback(smtpReply(session, 535, '5.7.8', 'Authentication failed: wrong address or app password'));
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, `${listenerName}: authentication error`);
          callback(smtpReply(session, 454, '4.7.0', 'Temporary authentication failure; try again later'));
        });
    },

    onMailFrom(address: SMTPServerAddress, session: SubmissionSession, callback) {
      const user = userOf(session);
      if (!user) return callback(smtpReply(session, 530, '5.7.0', 'Authentication required: use STARTTLS, then AUTH with an app password'));
      core.accounts
        .addresses(user.accountId)
        .then((own) => {
          const sender = address.address.toLowerCase();
          if (!sender || !own.includes(sender)) {
            return callback(smtpReply(session, 553, '5.7.1', `Sender address rejected: <${address.address}> is not one of your addresses`));
          }
          const refusal = limits.messageRefusal(user.accountId);
          if (refusal) return callback(smtpReply(session, 450, '4.7.1', refusal));
          session.ownAddresses = own;
          callback();
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, `${listenerName}: sender check failed`);
          callback(smtpReply(session, 451, '4.3.0', 'Local error, try again later'));
        });
    },

    onRcptTo(address: SMTPServerAddress, session: SubmissionSession, callback) {
      const user = userOf(session)!;
      const accepted = session.envelope.rcptTo.length;
      if (accepted >= config.limits.recipientsPerMessage) {
        return callback(smtpReply(session, 452, '4.5.3', `Too many recipients: at most ${config.limits.recipientsPerMessage} per message`));
      }
      const refusal = limits.recipientRefusal(user.accountId, accepted + 1);
      if (refusal) return callback(smtpReply(session, 450, '4.7.1', refusal));
      const declaredSize = declaredSizeOf(session);
      classifyRecipient(address.address, session)
        .then(async (recipient) => {
          if (recipient.local) await checkLocalQuota(session, recipient.local.accountId, declaredSize);
          callback();
        })
        .catch((error: unknown) => {
          if ((error as { responseCode?: number }).responseCode) return callback(error as Error);
          logger.error({ err: error }, `${listenerName}: recipient check failed`);
          callback(smtpReply(session, 451, '4.3.0', 'Local error, try again later'));
        });
    },

    onData(stream: SMTPServerDataStream, session: SubmissionSession, callback) {
      receive(stream, session)
        .then((reply) => callback(null, reply))
        .catch((error: unknown) => {
          stream.resume();
          callback(error as Error);
        });
    },
  });

  /** Local (an account here) or remote (the queue); refuses what can be neither. */
  const classifyRecipient = async (address: string, session: SubmissionSession): Promise<{ local?: IngestRecipient; remote?: string }> => {
    const normalized = address.toLowerCase();
    const parts = splitAddress(normalized);
    let domain: string;
    try {
      domain = validateDomainName(parts?.domain ?? '');
    } catch {
      throw smtpReply(session, 553, '5.1.3', `Bad recipient address: <${address}> has no valid domain`);
    }
    if (await core.domains.isLocal(domain)) {
      const accountId = await core.accounts.findIdByAddress(normalized);
      if (!accountId) throw smtpReply(session, 550, '5.1.1', `No such user here: <${address}>`);
      try {
        await core.ingest.checkReceiving(accountId);
      } catch (error) {
        if (!isMailError(error, 'MAILBOX_DISABLED')) throw error;
        throw smtpReply(session, options.disabledReply.code, options.disabledReply.enhancedStatus, options.disabledReply.text);
      }
      return { local: { accountId, address: normalized } };
    }
    if (!queue) throw smtpReply(session, 550, '5.7.1', 'This server does not deliver mail to other domains');
    return { remote: normalized };
  };

  const checkLocalQuota = async (session: SubmissionSession, accountId: string, size: number) => {
    try {
      await core.ingest.checkQuota(accountId, size);
    } catch (error) {
      if (isMailError(error, 'MESSAGE_EXCEEDS_QUOTA')) throw smtpReply(session, 552, '5.2.2', 'Message is larger than the recipient mailbox quota');
      if (isMailError(error, 'QUOTA_EXCEEDED')) throw smtpReply(session, 452, '4.2.2', 'Recipient mailbox is full, try again later');
      throw error;
    }
  };

  const receive = async (stream: SMTPServerDataStream, session: SubmissionSession): Promise<string> => {
    const user = userOf(session)!;
    const sender = (session.envelope.mailFrom as SMTPServerAddress).address.toLowerCase();
    const local: IngestRecipient[] = [];
    const remote: string[] = [];
    for (const rcpt of session.envelope.rcptTo) {
      const recipient = await classifyRecipient(rcpt.address, session);
      if (recipient.local) local.push(recipient.local);
      else remote.push(recipient.remote!);
    }
    const now = new Date(core.context.clock.now());
    const source = stream.iterator({ destroyOnReturn: false });
    let writer: OutboundMessageWriter | null = null;
    try {
      const { header, bodyStart } = await readHeaderSection(source);
      const fields = headerFields(header);
      const authors = authorAddresses(fields);
      const own = session.ownAddresses ?? [];
      if (authors.from.length === 0 || ![...authors.from, ...authors.sender].every((address) => own.includes(address))) {
        throw smtpReply(session, 553, '5.7.1', 'The From header must name only your own addresses');
      }
      const senderDomain = splitAddress(sender)!.domain;
      const completed = completeHeaders(fields, senderDomain, now);
      if (remote.length > 0) {
        // Signed with the key of the From domain (one of the account's, so a local one).
        const key = await options.dkim.forDomain(splitAddress(authors.from[0]!)!.domain);
        if (!key) logger.warn(`${listenerName}: a sending domain has no DKIM key; run \`sealpost domain add\` for it`);
        writer = queue!.openWriter(key ? { key, signTime: now } : null);
      }
      const queueId = writer?.id ?? randomBytes(8).toString('hex');
      const received = receivedHeader({ hostname: config.hostname, protocol: session.transmissionType || 'ESMTPSA', queueId, date: now });
      const counted = { size: 0 };
      const content = tee(message(received, completed.added, header, bodyStart, source), writer, config.limits.messageMaxBytes, counted);
      const declaredSize = declaredSizeOf(session);
      let failedLocal: { address: string; error: unknown }[] = [];
      if (local.length > 0) {
        const outcome = await core.ingest.deliver({
          source: 'submission',
          recipients: local,
          // Only the local copy says who sent it; the queue writer gets the message without.
          content: prefixed(submitterAuthenticationResults(config.hostname, sender), content),
          declaredSize: declaredSize || undefined,
          deliveryLog: { direction: 'in', remote: null, status: 'stored' },
        });
        failedLocal = outcome.failed;
      } else {
        for await (const chunk of content) void chunk;
      }
      if (stream.sizeExceeded) throw new MailError('MESSAGE_TOO_LARGE', 'message too large');
      const entry = writer ? await writer.commit({ from: sender, senderAccountId: user.accountId, messageId: completed.messageId, recipients: remote }) : null;
      writer = null;
      limits.record(user.accountId, local.length + remote.length);
      core.statistics.count('messagesOut');
      await recordLocalDeliveries(user.accountId, sender, local, failedLocal, { header, messageId: completed.messageId, queueId, size: counted.size, now: now.getTime() });
      logger.info({ queueId, local: local.length - failedLocal.length, remote: remote.length, size: counted.size }, `${listenerName}: message accepted`);
      return entry ? `Ok: queued as ${entry.id}` : `Ok: delivered as ${queueId}`;
    } catch (error) {
      // Detach the iterator so that onData's resume() can drain the rest of the message
      // (a stream with an iterator attached ignores resume()).
      await source.return?.().catch(() => undefined);
      await writer?.abort().catch(() => undefined);
      if (stream.sizeExceeded || isMailError(error, 'MESSAGE_TOO_LARGE')) {
        throw smtpReply(session, 552, '5.3.4', `Message exceeds the size limit of ${config.limits.messageMaxBytes} octets`);
      }
      if (error instanceof HeaderSectionTooLarge) throw smtpReply(session, 552, '5.3.4', 'The header section of the message is too large');
      if (isMailError(error, 'MESSAGE_EXCEEDS_QUOTA')) throw smtpReply(session, 552, '5.2.2', 'Message is larger than the recipient mailbox quota');
      if (isMailError(error, 'QUOTA_EXCEEDED')) throw smtpReply(session, 452, '4.2.2', 'Recipient mailbox is full, try again later');
      if (isMailError(error, 'MAILBOX_DISABLED')) throw smtpReply(session, options.disabledReply.code, options.disabledReply.enhancedStatus, options.disabledReply.text);
      if ((error as { responseCode?: number }).responseCode) throw error;
      logger.error({ err: error }, `${listenerName}: storing a message failed`);
      throw smtpReply(session, 451, '4.3.0', 'Local error while storing the message, try again later');
    }
  };

  /** The sender's side of local deliveries: an "out" entry per recipient in the delivery
   * log, and a DSN for any recipient whose copy could not be stored after acceptance. */
  const recordLocalDeliveries = async (
    accountId: string,
    sender: string,
    local: IngestRecipient[],
    failed: { address: string; error: unknown }[],
    message: { header: Buffer; messageId: string | null; queueId: string; size: number; now: number },
  ) => {
    const { header, messageId, queueId, now } = message;
    if (local.length === 0) return;
    const failedAddresses = new Set(failed.map((entry) => entry.address));
    await core.context.writer.run(accountId, async (txn) => {
      for (const recipient of local) {
        core.deliveryLog.record(txn, {
          accountId,
          address: sender,
          time: now,
          direction: 'out',
          size: message.size,
          remote: null,
          status: failedAddresses.has(recipient.address) ? 'bounced: could not be stored' : 'delivered locally',
          source: 'submission',
          recipientDomain: splitAddress(recipient.address)!.domain,
        });
      }
    });
    if (failed.length === 0) return;
    const dsn = buildDsn({
      action: 'failed',
      reportingMta: config.hostname,
      sender,
      queueId,
      arrivalDate: now,
      now,
      recipients: failed.map((entry) => ({
        address: entry.address,
        status: isMailError(entry.error, 'QUOTA_EXCEEDED') ? '4.2.2' : '4.3.0',
        diagnostic: isMailError(entry.error) ? entry.error.message : 'the message could not be stored',
        remoteReply: null,
        remoteMta: null,
        lastAttemptAt: now,
      })),
      originalHeaders: header,
      originalMessageId: messageId,
    });
    await core.ingest
      .deliver({ source: 'system', recipients: [{ accountId, address: sender }], content: single(dsn) })
      .catch((error: unknown) => logger.warn({ code: (error as { code?: string }).code }, `${listenerName}: a DSN could not be stored`));
  };

  // smtp-server reports socket and protocol errors here; they carry the client's address,
  // so only the code is logged.
  server.on('error', (error: Error & { code?: string }) => logger.debug({ code: error.code }, `${listenerName}: connection error`));

  return {
    port: await bindListener(server.server, options.port, options.host),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The message as stored and sent: our trace and completion headers, then the client's. */
async function* message(
  received: Uint8Array,
  added: Uint8Array,
  header: Uint8Array,
  bodyStart: Uint8Array,
  rest: AsyncIterator<Uint8Array>,
): AsyncIterable<Uint8Array> {
  yield received;
  if (added.byteLength > 0) yield added;
  if (header.byteLength > 0) yield header;
  if (bodyStart.byteLength > 0) yield bodyStart;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** The content with one more header line in front of everything. */
async function* prefixed(header: Uint8Array, content: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield header;
  yield* content;
}

function declaredSizeOf(session: SMTPServerSession): number {
  const mailFrom = session.envelope.mailFrom;
  const args = mailFrom ? (mailFrom.args as Record<string, string> | false) : false;
  return Number((args && args.SIZE) || 0);
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
