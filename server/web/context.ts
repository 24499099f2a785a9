// What every route group of the web API shares, built once by startWeb.
import type { SealpostCrypto } from '../../crypto/api.ts';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/context.ts';
import type { MailCore } from '../core/mail-core.ts';
import type { Logger } from '../log.ts';
import type { SendingService } from '../sending/sending-service.ts';
import type { LoginSlowdown } from './login-slowdown.ts';
import type { ProofOfWork } from './proof-of-work.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { WebSessions } from './sessions.ts';

/** A mail listener as the client-setup page and autoconfig describe it. */
export interface ServiceEndpoint {
  name: string;
  port: number;
  tls: 'starttls' | 'implicit' | 'none';
}

export interface WebContext {
  core: MailCore;
  crypto: SealpostCrypto;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** keys/server.key: keys the fake pre-login salts and the device cookies. */
  serverKey: Uint8Array;
  sessions: WebSessions;
  rateLimiter: RateLimiter;
  loginSlowdown: LoginSlowdown;
  proofOfWork: ProofOfWork;
  /** The running mail listeners, read at request time (some start after the web). */
  endpoints: () => readonly ServiceEndpoint[];
  /** The one outgoing path, shared with submission (and its sending budget). */
  sending: SendingService;
}
