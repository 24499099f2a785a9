// SECURITY: the web listener serves the webmail's static files and its JSON API. It trusts
// no request. It holds no key of any user: sessions are hashed random tokens, and every
// stored message leaves as the ciphertext it is stored as (the browser decrypts). The one
// plaintext it ever handles is an outgoing message in the send request's memory. Request
// logs carry method, path and status only: never a client address, query or header. Pages
// carry a strict Content-Security-Policy (no inline script, no remote origin).
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { fastify, LogController, type FastifyInstance } from 'fastify';
import type { SealpostCrypto } from '../../crypto/api.ts';
import type { Config } from '../config/schema.ts';
import { systemClock, type Clock } from '../core/context.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { Logger } from '../log.ts';
import type { RunningListener } from '../listeners/bind.ts';
import type { ConnectionGate } from '../listeners/connection-gate.ts';
import { listenGated } from '../listeners/gated-listener.ts';
import { listSetting } from '../config/list-setting.ts';
import { SendingLimits } from '../core/sending-limits.ts';
import { clientHeaderPolicyOf } from '../sending/client-headers.ts';
import { SendingService } from '../sending/sending-service.ts';
import { registerApi } from './api.ts';
import type { ServiceEndpoint, WebContext } from './context.ts';
import { createErrorHandler } from './errors.ts';
import { ProofOfWork } from './proof-of-work.ts';
import { LoginSlowdown } from './login-slowdown.ts';
import { RateLimiter } from './rate-limit.ts';
import { WebSessions } from './sessions.ts';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

const CLIENT_DIST = fileURLToPath(new URL('../../client/dist/', import.meta.url));

/** The application: scripts and styles from this origin only; WebAssembly (libsodium in
 * the crypto worker) may compile, nothing may eval; images from data:/blob: (decrypted
 * attachments); frames only our own message frame; no plugin, no <base>, no framing. */
const APP_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "worker-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The document a message's sanitised HTML is shown in (inside a sandboxed iframe without
 * scripts): no script at all, the message's own inline styles, images only from data: and
 * blob: (inline parts), nothing else from anywhere. */
const MESSAGE_FRAME_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";
/** The same after the user chose to load remote images of this message or sender. */
const MESSAGE_FRAME_REMOTE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: blob: https: http:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

const COMMON_HEADERS = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=31536000',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

export interface WebOptions {
  core: MailCore;
  crypto: SealpostCrypto;
  config: Config;
  logger: Logger;
  serverKey: Uint8Array;
  clock?: Clock;
  /** The mail listeners, for the client-setup page (read at request time). */
  endpoints?: () => readonly ServiceEndpoint[];
  /** Shared with submission; a web app of its own (tests) gets one of its own, which
   * delivers locally only. */
  sending?: SendingService;
}

function cspFor(url: string): string {
  if (url.startsWith('/message-frame-remote.html')) return MESSAGE_FRAME_REMOTE_CSP;
  if (url.startsWith('/message-frame.html')) return MESSAGE_FRAME_CSP;
  return APP_CSP;
}

function trustedProxies(setting: string): string[] | false {
  const proxies = listSetting(setting);
  return proxies.length > 0 ? proxies : false;
}

/** The web application without a listener: startWeb adds HTTPS; tests use inject(). */
export async function buildWebApp(
  options: WebOptions,
  https?: { key: Buffer; cert: Buffer; handshakeTimeout?: number; connectionsCheckingInterval?: number },
): Promise<FastifyInstance> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child(
    { component: 'web' },
    {
      serializers: {
        // Method and path only: the query may hold an address, headers hold cookies, and
        // the socket holds the client's address, which is never logged.
        req: (request: { method?: string; url?: string }) => ({ method: request.method, path: request.url?.split('?')[0] }),
        res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      },
    },
  );
  const context: WebContext = {
    core: options.core,
    crypto: options.crypto,
    config: options.config,
    clock,
    logger,
    serverKey: options.serverKey,
    sessions: new WebSessions({ clock, idleMs: options.config.web.sessionIdleMinutes * 60_000, maxAgeMs: options.config.web.sessionMaxHours * 3_600_000 }),
    rateLimiter: new RateLimiter(clock),
    loginSlowdown: new LoginSlowdown(options.config.web.loginSlowdown, clock),
    proofOfWork: new ProofOfWork({ clock, bits: options.config.web.signupProofOfWorkBits, signupsPerHour: options.config.web.signupsPerHourBeforeHarderWork }),
    endpoints: options.endpoints ?? (() => []),
    sending:
      options.sending ??
      new SendingService({
        core: options.core,
        queue: null,
        dkim: null,
        limits: new SendingLimits(clock, options.config.limits),
        hostname: options.config.hostname,
        recipientsPerMessage: options.config.limits.recipientsPerMessage,
        messageMaxBytes: options.config.limits.messageMaxBytes,
        clientHeaders: clientHeaderPolicyOf(options.config.sending),
        logger,
      }),
  };
  const app = fastify({
    ...(https ? { https } : {}),
    loggerInstance: logger,
    // Fastify logs every request at info; paths hold folder ids and message numbers, a trail
    // of what one account did, so requests are logged at debug only (below).
    logController: new LogController({ disableRequestLogging: true }),
    // SSE streams would otherwise hold close() open.
    forceCloseConnections: true,
    // Behind a configured reverse proxy, request.ip is the client it names (rate limits only;
    // no address is logged or stored).
    trustProxy: trustedProxies(options.config.web.trustedProxies),
    // Unknown fields are refused with a clear error rather than silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  }) as unknown as FastifyInstance;
  app.setErrorHandler(createErrorHandler(logger));
  app.addHook('onResponse', async (request, reply) => {
    logger.debug({ method: request.method, path: request.url.split('?')[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'web request');
  });
  app.addHook('onSend', async (request, reply) => {
    reply.headers(COMMON_HEADERS);
    // A route that serves its own kind of document (a receipt) sets its own policy.
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', cspFor(request.url));
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
  await registerApi(app, context);
  // The build writes .br and .gz beside each asset (vite.config.ts): sent as they are.
  await app.register(fastifyStatic, { root: CLIENT_DIST, index: ['index.html'], preCompressed: true });
  // One frame document, two policies: this path only widens img-src (see above).
  app.get('/message-frame-remote.html', (_request, reply) => reply.sendFile('message-frame.html'));
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', message: `nothing at ${request.method} ${request.url.split('?')[0]}` });
  });
  return app;
}

export async function startWeb(
  options: WebOptions & { tls: { key: Buffer; cert: Buffer }; host: string; port: number; gate: ConnectionGate },
): Promise<RunningListener> {
  try {
    await stat(CLIENT_DIST);
  } catch {
    throw new Error(`the web client is not built (${CLIENT_DIST} is missing): run "npm run build:client"`);
  }
  const { firstRequestTimeoutMs } = options.config.web;
  // The check for overdue headers runs every second (Node's default is 30 s).
  const app = await buildWebApp(options, { ...options.tls, handshakeTimeout: firstRequestTimeoutMs, connectionsCheckingInterval: 1000 });
  // Node closes TLS handshakes that take longer than handshakeTimeout. Its headersTimeout
  // does not cover a connection that completed TLS and never starts a request, so that wait
  // has its own timer.
  app.server.headersTimeout = firstRequestTimeoutMs;
  const awaitingFirstRequest = new WeakMap<object, NodeJS.Timeout>();
  app.server.on('secureConnection', (socket: TLSSocket) => {
    const timer = setTimeout(() => socket.destroy(), firstRequestTimeoutMs);
    timer.unref();
    awaitingFirstRequest.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  app.server.on('request', (request: IncomingMessage) => {
    clearTimeout(awaitingFirstRequest.get(request.socket));
    awaitingFirstRequest.delete(request.socket);
  });
  await app.ready();
  // The HTTPS server does not listen itself: the gated listener admits each socket first.
  const listener = await listenGated({
    name: 'web',
    host: options.host,
    port: options.port,
    gate: options.gate,
    logger: options.logger,
    accept: (socket) => app.server.emit('connection', socket),
  });
  return { port: listener.port, close: () => listener.close(() => app.close()) };
}
