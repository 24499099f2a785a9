// SECURITY: the submission listeners (587 with STARTTLS, 465 with implicit TLS) face the
// internet and accept mail only from authenticated users. AUTH is offered only over TLS and
// only for app passwords; the keys an app password unlocks are wiped at once (submission
// needs none). The client's address is used only in memory, to throttle failed logins; it
// is never logged, stored, or written into the message: the Received header names neither
// the client's address nor its HELO name (docs/design.md promise 4). Everything a message
// goes through after AUTH (sender and From ownership, routing, local delivery, the queue,
// DKIM, limits, the delivery log) is the sending service's (server/sending/); this file
// keeps only the protocol: one handler per smtp-server hook, errors mapped by ./errors.ts.
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { AppPasswordLogin } from '../auth/app-password-login.ts';
import { clientSourceOf } from '../listeners/client-source.ts';
import type { Config } from '../config/schema.ts';
import { MailError } from '../core/errors.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { RunningListener } from '../listeners/bind.ts';
import type { ConnectionGate } from '../listeners/connection-gate.ts';
import type { Logger } from '../log.ts';
import type { SendingService, SendRoute } from '../sending/sending-service.ts';
import type { ConfiguredReply } from './configured-reply.ts';
import { installEnhancedStatusOverride, smtpReply } from './enhanced-status.ts';
import { isSmtpReply, localError, outOfSpaceReply, smtpReplyForMailError, type SmtpErrorSettings } from './errors.ts';
import { listenSmtp } from './listen.ts';
import { declaredSizeOf, installRepeatedParameterOverride } from './mail-from.ts';

export interface SubmissionOptions {
  core: MailCore;
  sending: SendingService;
  login: AppPasswordLogin;
  config: Pick<Config, 'hostname' | 'limits' | 'clients'> & { submission: Config['smtp']['submission'] };
  tls: { key: Buffer; cert: Buffer };
  /** Admission of new sockets, shared by both submission ports. */
  gate: ConnectionGate;
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
  /** Recipients routed at RCPT, in order, reused at DATA. */
  routes?: SendRoute[];
};

type Callback = (error?: Error | null) => void;

/** The hooks smtp-server calls, one method each. */
class SubmissionHandlers {
  readonly #options: SubmissionOptions;
  readonly #name: string;
  readonly #errors: SmtpErrorSettings;
  /** Per session not yet logged in: the timer that ends it (clients.loginTimeoutMs). */
  readonly #loginDeadlines = new Map<string, NodeJS.Timeout>();
  /** Per logged-in session: stops listening to its account's events. */
  readonly #subscriptions = new Map<string, () => void>();
  /** Set once the server exists: says 421 to a session and closes it. */
  closeSession: (sessionId: string, text: string) => void = () => undefined;

  constructor(options: SubmissionOptions) {
    this.#options = options;
    this.#name = options.implicitTls ? 'submissions' : 'submission';
    this.#errors = { messageMaxBytes: options.config.limits.messageMaxBytes, disabledReply: options.disabledReply };
  }

  onConnect(session: SubmissionSession, callback: Callback): void {
    // No AUTH in the capability list (or accepted) before TLS; onSecure lifts this.
    if (!this.#options.implicitTls) session.disabledCommands = ['AUTH'];
    const deadline = setTimeout(() => this.closeSession(session.id, 'Login timeout, closing connection'), this.#options.config.clients.loginTimeoutMs);
    deadline.unref();
    this.#loginDeadlines.set(session.id, deadline);
    callback();
  }

  onClose(session: SubmissionSession): void {
    this.#clearLoginDeadline(session);
    this.#subscriptions.get(session.id)?.();
    this.#subscriptions.delete(session.id);
  }

  #clearLoginDeadline(session: SubmissionSession): void {
    clearTimeout(this.#loginDeadlines.get(session.id));
    this.#loginDeadlines.delete(session.id);
  }

  onSecure(session: SubmissionSession, callback: Callback): void {
    session.disabledCommands = undefined;
    callback();
  }

  onAuth(
    auth: SMTPServerAuthentication,
    session: SubmissionSession,
    callback: (error: Error | null | undefined, response?: { user: SubmissionUser }) => void,
  ): void {
    session.authAttempts = (session.authAttempts ?? 0) + 1;
    if (session.authAttempts > MAX_AUTH_ATTEMPTS_PER_CONNECTION) {
      callback(smtpReply(session, 421, '4.7.0', 'Too many failed logins on this connection; closing'));
      return;
    }
    // The client address is a throttling key in memory and goes nowhere else.
    this.#options.login
      .attempt(auth.username ?? '', auth.password ?? '', clientSourceOf(session.remoteAddress))
      .then((outcome) => {
        if (outcome.kind === 'unlocked') {
          const { accountId, keys, slotId } = outcome.unlocked;
          this.#options.core.wipeKeys(keys);
          // Gone from the map: the connection closed while the login ran, nothing to watch.
          const stillOpen = this.#loginDeadlines.has(session.id);
          this.#clearLoginDeadline(session);
          // Revoking the app password, or deleting the account, ends the session (promise 10).
          if (stillOpen) {
            const unsubscribe = this.#options.core.events.subscribe(accountId, (event) => {
              if (event.type === 'account-deleted' || (event.type === 'key-slots-revoked' && event.slotIds.includes(slotId))) {
                this.closeSession(session.id, 'Access revoked (app password or account), closing connection');
              }
            });
            this.#subscriptions.set(session.id, unsubscribe);
          }
          return callback(null, { user: { accountId } });
        }
        if (outcome.kind === 'throttled') return callback(smtpReply(session, 454, '4.7.0', 'Too many failed logins; try again later'));
        // RFC 7372: 5.7.13, user account disabled; said only to whoever knew the password.
        if (outcome.kind === 'disabled') return callback(smtpReply(session, 525, '5.7.13', `Account disabled: ${outcome.reason}`));
        callback(smtpReply(session, 535, '5.7.8', 'Authentication failed: wrong address or app password'));
      })
      .catch((error: unknown) => {
        this.#options.logger.error({ err: error }, `${this.#name}: authentication error`);
        callback(smtpReply(session, 454, '4.7.0', 'Temporary authentication failure; try again later'));
      });
  }

  onMailFrom(address: SMTPServerAddress, session: SubmissionSession, callback: Callback): void {
    const user = userOf(session);
    if (!user) {
      callback(smtpReply(session, 530, '5.7.0', 'Authentication required: use STARTTLS, then AUTH with an app password'));
      return;
    }
    session.routes = [];
    this.#answer(session, 'sender check', this.#options.sending.checkSender(user.accountId, address.address), callback);
  }

  onRcptTo(address: SMTPServerAddress, session: SubmissionSession, callback: Callback): void {
    const user = userOf(session)!;
    const { sending } = this.#options;
    const routed = (async () => {
      sending.checkRecipientCount(user.accountId, session.envelope.rcptTo.length + 1);
      const route = await sending.route(address.address, declaredSizeOf(session.envelope.mailFrom));
      session.routes ??= [];
      session.routes.push(route);
    })();
    this.#answer(session, 'recipient check', routed, callback);
  }

  onData(stream: SMTPServerDataStream, session: SubmissionSession, callback: (error: Error | null, message?: string) => void): void {
    const user = userOf(session)!;
    this.#options.sending
      .send({
        source: 'submission',
        accountId: user.accountId,
        from: (session.envelope.mailFrom as SMTPServerAddress).address,
        routes: session.routes ?? [],
        content: stream.iterator({ destroyOnReturn: false }),
        declaredSize: declaredSizeOf(session.envelope.mailFrom),
        received: { protocol: session.transmissionType || 'ESMTPSA' },
      })
      .then((outcome) => callback(null, outcome.queued ? `Ok: queued as ${outcome.id}` : `Ok: delivered as ${outcome.id}`))
      .catch((error: unknown) => {
        // The sending service detached its iterator, so resume() drains the rest.
        stream.resume();
        if (stream.sizeExceeded) error = new MailError('MESSAGE_TOO_LARGE', 'message too large');
        callback(this.#reply(session, 'storing a message', error));
      });
  }

  #answer(session: SubmissionSession, step: string, work: Promise<unknown>, callback: Callback): void {
    work.then(() => callback()).catch((error: unknown) => callback(this.#reply(session, step, error)));
  }

  #reply(session: SubmissionSession, step: string, error: unknown): Error {
    if (isSmtpReply(error)) return error;
    const reply = smtpReplyForMailError(session, error, this.#errors) ?? outOfSpaceReply(session, error, this.#options.logger);
    if (reply) return reply;
    this.#options.logger.error({ err: error }, `${this.#name}: ${step} failed`);
    return localError(session);
  }
}

const userOf = (session: SubmissionSession) => session.user as SubmissionUser | undefined;

export async function startSubmission(options: SubmissionOptions): Promise<RunningListener> {
  installEnhancedStatusOverride();
  installRepeatedParameterOverride();
  const { config, logger } = options;
  const handlers = new SubmissionHandlers(options);
  const server = new SMTPServer({
    name: config.hostname,
    banner: 'Sealpost ESMTP submission',
    key: options.tls.key,
    cert: options.tls.cert,
    secure: options.implicitTls,
    // The gated listener has done the implicit-TLS handshake (server/smtp/listen.ts).
    secured: options.implicitTls,
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
    socketTimeout: config.submission.socketTimeoutMs,
    onConnect: (session, callback) => handlers.onConnect(session, callback),
    onClose: (session) => handlers.onClose(session),
    onSecure: (_socket, session, callback) => handlers.onSecure(session, callback),
    onAuth: (auth, session, callback) => handlers.onAuth(auth, session, callback),
    onMailFrom: (address, session, callback) => handlers.onMailFrom(address, session, callback),
    onRcptTo: (address, session, callback) => handlers.onRcptTo(address, session, callback),
    onData: (stream, session, callback) => handlers.onData(stream, session, callback),
  });
  // smtp-server reports socket and protocol errors here; they carry the client's address,
  // so only the code is logged.
  server.on('error', (error: Error & { code?: string }) =>
    logger.debug({ code: error.code }, `${options.implicitTls ? 'submissions' : 'submission'}: connection error`),
  );
  handlers.closeSession = (sessionId, text) => {
    for (const connection of server.connections) {
      if (connection.id !== sessionId) continue;
      connection.send(421, text);
      connection.close();
    }
  };
  const name = options.implicitTls ? 'submissions' : 'submission';
  return listenSmtp(server, {
    name,
    host: options.host,
    port: options.port,
    gate: options.gate,
    logger,
    hostname: config.hostname,
    ...(options.implicitTls ? { tls: { ...options.tls, handshakeTimeoutMs: config.clients.tlsHandshakeTimeoutMs } } : {}),
  });
}
