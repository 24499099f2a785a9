// Builds outbound delivery from the configuration: DKIM keys for every local domain (made
// if missing), the encrypted spool under keys/spool.key, routes (static or DNS), MTA-STS,
// the connection dispatcher and the queue, which starts with whatever the spool holds.
// Tests replace the DNS resolver, the MTA-STS fetcher and the trusted CAs.
import type { SecureContextOptions } from 'node:tls';
import type { Config } from '../config/schema.ts';
import type { SealpostCrypto } from '../../crypto/api.ts';
import type { MailCore } from '../core/mail-core.ts';
import { readServerKey, type DataDirPaths } from '../data-dir.ts';
import { DkimKeyring, ensureDkimKey } from '../dkim/keys.ts';
import { listSetting } from '../config/list-setting.ts';
import { systemDnsResolver, type DnsResolver } from '../dns/resolver.ts';
import type { Logger } from '../log.ts';
import { OutboundQueue } from '../queue/outbound-queue.ts';
import { OutboundSpool } from '../queue/spool.ts';
import { DeliveryDispatcher } from './dispatcher.ts';
import { httpsMtaStsFetcher, MtaStsPolicies, type MtaStsFetcher } from './mta-sts.ts';
import { parseStaticRoutes, RouteResolver } from './routes.ts';
import type { Store } from '../store/types.ts';

export interface OutboundEnvironment {
  dns?: DnsResolver;
  mtaStsFetcher?: MtaStsFetcher;
  /** Trust anchors added for certificate checks under MTA-STS enforce. */
  trustedCa?: SecureContextOptions['ca'];
}

export interface OutboundService {
  /** Null when outbound.enabled is false. */
  queue: OutboundQueue | null;
  /** Signing keys of the local domains (submission and the web client sign with them). */
  dkim: DkimKeyring;
  close(): Promise<void>;
}

/** An MTA-STS policy fetch may take this long (RFC 8461 suggests a short timeout: the
 * policy is a small file). */
const POLICY_FETCH_TIMEOUT_MS = 10_000;

export async function startOutbound(options: {
  core: MailCore;
  /** The spool's records and blobs live in the service's store, under the queue's prefix. */
  store: Store;
  crypto: SealpostCrypto;
  config: Config;
  paths: DataDirPaths;
  logger: Logger;
  environment?: OutboundEnvironment;
}): Promise<OutboundService> {
  const { core, config, paths, logger } = options;
  const environment = options.environment ?? {};
  for (const domain of await core.domains.list()) {
    const { key, created } = await ensureDkimKey(paths.root, domain, new Date(core.clock.now()));
    if (created) logger.info({ selector: key.selector }, 'outbound: DKIM key created for a local domain; publish it (sealpost dns)');
  }
  const dkim = new DkimKeyring(paths.root);
  if (!config.outbound.enabled) return { queue: null, dkim, close: async () => undefined };

  const dns = environment.dns ?? systemDnsResolver(listSetting(config.outbound.dnsServers));
  const settings = config.outbound;
  const dispatcher = new DeliveryDispatcher({
    routes: new RouteResolver(dns, parseStaticRoutes(settings.staticRoutes), settings.mxPort),
    mtaSts: new MtaStsPolicies(dns, environment.mtaStsFetcher ?? httpsMtaStsFetcher(POLICY_FETCH_TIMEOUT_MS), core.clock),
    heloName: config.hostname,
    timeouts: { connectTimeoutMs: settings.connectTimeoutMs, greetingTimeoutMs: settings.greetingTimeoutMs, socketTimeoutMs: settings.socketTimeoutMs },
    maxConnections: settings.maxConnections,
    connectionsPerDomain: settings.connectionsPerDomain,
    trustedCa: environment.trustedCa,
  });
  const spool = new OutboundSpool(options.store, options.crypto, await readServerKey(paths.spoolKey), core.clock);
  const queue = new OutboundQueue({
    core,
    spool,
    dispatcher,
    logger,
    settings: {
      hostname: config.hostname,
      retryMinSeconds: settings.retryMinSeconds,
      retryMaxSeconds: settings.retryMaxSeconds,
      retryDays: config.retention.outboundRetryDays,
      delayNoticeHours: settings.delayNoticeHours,
    },
  });
  await queue.start();
  return { queue, dkim, close: () => queue.close() };
}
