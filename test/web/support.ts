// The web API in process, over the in-memory store, driven through fastify's inject() (no
// socket) by a client that does what the browser does: derive from the password, send the
// authKey, keep the cookie and the CSRF token, unlock the returned key material.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { MailboxKeys, SealpostCrypto } from '../../crypto/api.ts';
import { createAccountKeys, unlockWithPassword } from '../../crypto/account-keys.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { loadConfig } from '../../server/config/load.ts';
import type { Config } from '../../server/config/schema.ts';
import { servicePolicyOf } from '../../server/config/service-policy.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { SendingLimits } from '../../server/core/sending-limits.ts';
import { dataDirPaths, initDataDir } from '../../server/data-dir.ts';
import { startOutbound, type OutboundService } from '../../server/outbound/service.ts';
import { clientHeaderPolicyOf } from '../../server/sending/client-headers.ts';
import { SendingService } from '../../server/sending/sending-service.ts';
import type { Store } from '../../server/store/types.ts';
import { createLogger } from '../../server/log.ts';
import { openMemoryStore } from '../../server/store/open.ts';
import { solveProofOfWork } from '../../shared/proof-of-work.ts';
import { buildWebApp, type WebOptions } from '../../server/web/server.ts';
import { StaticDnsResolver } from '../helpers/dns-stub.ts';
import { startRemoteMx, type RemoteMx } from '../helpers/remote-mx.ts';
import { TEST_KDF } from '../helpers/service.ts';

export const DOMAIN = 'sealpost.test';

export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export interface WebTestbed {
  app: FastifyInstance;
  core: MailCore;
  /** The store under the core, for tests that look at what is at rest. */
  store: Store;
  /** With `remote`: the other server that mail to remote.example reaches, and the queue. */
  remote: { mx: RemoteMx; outbound: OutboundService } | null;
  crypto: SealpostCrypto;
  config: Config;
  clock: TestClock;
  logLines: string[];
  client(remoteAddress?: string): BrowserLikeClient;
  /** Creates an account the way the operator's CLI does (no proof of work). */
  createAccount(address: string, password?: string): Promise<{ accountId: string; recoveryCode: string }>;
  close(): Promise<void>;
}

/** The domain whose mail reaches the testbed's remote MX. */
export const REMOTE_DOMAIN = 'remote.example';

/** `remote`: the real outbound queue, delivering mail for remote.example to a sink MX on
 * loopback (without it, remote recipients are refused). `sendingLimits`: a budget the test
 * also holds. */
export async function startWebTestbed(
  options: { overrides?: string[]; web?: Partial<WebOptions>; remote?: boolean; sendingLimits?: SendingLimits } = {},
): Promise<WebTestbed> {
  const crypto = await loadNodeCrypto();
  const config = await loadConfig({
    overrides: [
      `passwordKdf.opsLimit=${TEST_KDF.opsLimit}`,
      `passwordKdf.memLimitBytes=${TEST_KDF.memLimitBytes}`,
      'web.signupProofOfWorkBits=8',
      'log.level=debug',
      ...(options.overrides ?? []),
    ],
  });
  const remoteMx = options.remote ? await startRemoteMx() : null;
  if (remoteMx) config.outbound.mxPort = remoteMx.port;
  let time = Date.parse('2026-03-01T10:00:00Z');
  const clock: TestClock = {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
  const store = openMemoryStore();
  const core = new MailCore({ store, crypto, limits: config.limits, clock, policy: servicePolicyOf(config) });
  await core.domains.add(DOMAIN);
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger(config.log.level, sink);
  let remote: WebTestbed['remote'] = null;
  let dataDir: string | null = null;
  if (remoteMx) {
    dataDir = await mkdtemp(join(tmpdir(), 'sealpost-web-'));
    await initDataDir(dataDir, config);
    const dns = new StaticDnsResolver({
      mx: { [REMOTE_DOMAIN]: [{ exchange: `mx.${REMOTE_DOMAIN}`, priority: 10 }] },
      a: { [`mx.${REMOTE_DOMAIN}`]: ['127.0.0.1'] },
    });
    const outbound = await startOutbound({ core, store, crypto, config, paths: dataDirPaths(dataDir, config), logger, environment: { dns } });
    remote = { mx: remoteMx, outbound };
  }
  const sending = new SendingService({
    core,
    queue: remote?.outbound.queue ?? null,
    dkim: remote?.outbound.dkim ?? null,
    limits: options.sendingLimits ?? new SendingLimits(clock, config.limits),
    hostname: config.hostname,
    recipientsPerMessage: config.limits.recipientsPerMessage,
    messageMaxBytes: config.limits.messageMaxBytes,
    clientHeaders: clientHeaderPolicyOf(config.sending),
    logger,
  });
  const app = await buildWebApp({
    core,
    crypto,
    config,
    logger,
    serverKey: crypto.randomBytes(32),
    clock,
    sending,
    ...options.web,
  });
  await app.ready();
  return {
    app,
    core,
    store,
    remote,
    crypto,
    config,
    clock,
    logLines,
    client: (remoteAddress = '127.0.0.1') => new BrowserLikeClient(app, crypto, remoteAddress),
    async createAccount(address, password = 'correct horse battery staple') {
      const { material, recoveryCode } = await createAccountKeys(crypto, password, TEST_KDF);
      const account = await core.accounts.create(address, material);
      return { accountId: account.id, recoveryCode };
    },
    async close() {
      await app.close();
      await remote?.outbound.close();
      await remote?.mx.close();
      await store.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON a route answers; each test names the fields it checks.
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: LightMyRequestResponse['headers'];
  raw: LightMyRequestResponse;
}

/** What the web client does, minus the page: the same requests in the same order. */
export class BrowserLikeClient {
  /** The session cookie (name=value). */
  cookie: string | undefined;
  /** The device cookie a login leaves, kept across logouts as a browser keeps it. */
  deviceCookie: string | undefined;
  csrfToken: string | undefined;
  keys: MailboxKeys | undefined;

  constructor(
    readonly app: FastifyInstance,
    readonly crypto: SealpostCrypto,
    readonly remoteAddress: string,
  ) {}

  // biome-ignore lint/suspicious/noExplicitAny: as ApiResponse.
  async request<T = any>(method: string, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const raw = await this.app.inject({
      method: method as 'GET',
      url,
      remoteAddress: this.remoteAddress,
      headers: {
        ...(this.cookie || this.deviceCookie ? { cookie: [this.cookie, this.deviceCookie].filter(Boolean).join('; ') } : {}),
        ...(this.csrfToken ? { 'x-csrf-token': this.csrfToken } : {}),
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
    const type = String(raw.headers['content-type'] ?? '');
    return { status: raw.statusCode, body: (type.includes('json') ? raw.json() : raw.body) as T, headers: raw.headers, raw };
  }

  async derive(address: string, password: string) {
    const prelogin = await this.request('POST', '/api/auth/prelogin', { address });
    if (prelogin.status !== 200) throw new Error(`prelogin failed: ${prelogin.status}`);
    return this.crypto.deriveFromPassword(password, Buffer.from(prelogin.body.salt, 'base64'), prelogin.body.kdf);
  }

  async login(address: string, password = 'correct horse battery staple'): Promise<ApiResponse> {
    const derived = await this.derive(address, password);
    const response = await this.request('POST', '/api/auth/login', { address, authKey: b64(derived.authKey) });
    if (response.status === 200) {
      const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []).map((cookie) => cookie.split(';')[0]!);
      this.cookie = cookies.find((cookie) => cookie.startsWith('__Host-sealpost-session='));
      this.deviceCookie = cookies.find((cookie) => cookie.startsWith('__Host-sealpost-device=')) ?? this.deviceCookie;
      this.csrfToken = response.body.csrfToken;
      const account = response.body.account;
      this.keys = await unlockWithPassword(this.crypto, password, {
        kdf: account.kdf,
        salt: Buffer.from(account.salt, 'base64'),
        passwordSlot: Buffer.from(account.passwordSlot, 'base64'),
        publicKey: Buffer.from(account.publicKey, 'base64'),
        encryptedPrivateKey: Buffer.from(account.encryptedPrivateKey, 'base64'),
      });
    }
    return response;
  }

  async signup(address: string, password = 'correct horse battery staple'): Promise<{ response: ApiResponse; recoveryCode: string }> {
    const options = await this.request('GET', '/api/signup/options');
    const { material, recoveryCode } = await createAccountKeys(this.crypto, password, options.body.kdf);
    const challenge = await this.request('POST', '/api/signup/challenge');
    if (challenge.status !== 200) return { response: challenge, recoveryCode };
    const nonce = await solveProofOfWork(challenge.body.challenge, challenge.body.bits);
    const response = await this.request('POST', '/api/signup', {
      address,
      challenge: challenge.body.challenge,
      nonce,
      keys: {
        kdf: material.kdf,
        salt: b64(material.salt),
        passwordVerifier: b64(material.passwordVerifier),
        passwordSlot: b64(material.passwordSlot),
        publicKey: b64(material.publicKey),
        encryptedPrivateKey: b64(material.encryptedPrivateKey),
        recovery: { verifier: b64(material.recovery.verifier), wrappedMasterKey: b64(material.recovery.wrappedMasterKey) },
      },
    });
    return { response, recoveryCode };
  }
}

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
export const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
