// Composition root: config → data directory → store → crypto → mail core → front-ends.
// Used by `sealpost start` and by tests, which start the whole service on ephemeral ports.
import { readFile } from 'node:fs/promises';
import { loadNodeCrypto } from '../crypto/node.ts';
import type { SealpostCrypto } from '../crypto/api.ts';
import { adminOperations } from './admin/operations.ts';
import { startAdminSocket } from './admin/socket.ts';
import type { Config } from './config/schema.ts';
import { servicePolicyOf } from './config/service-policy.ts';
import type { Clock } from './core/context.ts';
import { MailCore } from './core/mail-core.ts';
import type { DnsResolver } from './dns/resolver.ts';
import { inboundChecksFromConfig } from './filter/inbound-checks.ts';
import { WorkerPool } from './workers/pool.ts';
import { dataDirPaths, initDataDir, readServerKey, type DataDirPaths } from './data-dir.ts';
import { ServiceJobs } from './jobs/service-jobs.ts';
import type { Logger } from './log.ts';
import { MetricsCollector } from './metrics/collect.ts';
import { startMetrics } from './metrics/server.ts';
import { startOutbound, type OutboundEnvironment } from './outbound/service.ts';
import { createImapServer } from './imap/server.ts';
import { Pop3Service } from './pop3/server.ts';
import type { OutboundQueue } from './queue/outbound-queue.ts';
import { parseConfiguredReply } from './smtp/configured-reply.ts';
import { BufferBudget } from './smtp/buffer-budget.ts';
import type { RunningListener } from './listeners/bind.ts';
import { raiseOpenFileLimit } from './listeners/file-limit.ts';
import { serviceGates } from './listeners/service-gates.ts';
import { startMx } from './smtp/mx.ts';
import { startSubmission } from './smtp/submission.ts';
import { clientHeaderPolicyOf } from './sending/client-headers.ts';
import { SendingService } from './sending/sending-service.ts';
import { AppPasswordLogin } from './auth/app-password-login.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import { SendingLimits } from './core/sending-limits.ts';
import { outOfSpace } from './out-of-space.ts';
import { openLevelStore } from './store/open.ts';
import type { Store } from './store/types.ts';
import { startWeb } from './web/server.ts';

export interface StartOptions {
  dataDir: string;
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Tests replace DNS, the MTA-STS fetcher and trusted CAs of outbound delivery. */
  outbound?: OutboundEnvironment;
  /** Tests answer the MX's SPF/DKIM/DMARC lookups from a static zone. */
  inboundDns?: DnsResolver;
}

export interface RunningService {
  paths: DataDirPaths;
  core: MailCore;
  crypto: SealpostCrypto;
  /** `tls: 'none'` only for the metrics listener (plain HTTP for Prometheus, loopback by default). */
  listeners: { name: string; port: number; tls: 'starttls' | 'implicit' | 'none' }[];
  /** The store the core runs on (tests look inside it; nothing else should). */
  store: Store;
  /** The outbound queue; null when outbound.enabled is false. */
  outbound: OutboundQueue | null;
  /** The one path for outgoing mail, shared by submission and the web client's send. */
  sending: SendingService;
  /** Retention runs, backups and the scheduler that runs both daily. */
  jobs: ServiceJobs;
  close(): Promise<void>;
}

export async function startSealpost(options: StartOptions): Promise<RunningService> {
  const { config, logger } = options;
  await initDataDir(options.dataDir, config);
  const paths = dataDirPaths(options.dataDir, config);
  const crypto = await loadNodeCrypto();
  const store: Store = await openLevelStore(paths.store, { onWritesResumed: () => outOfSpace.resumed(logger) });
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
  };
  try {
    const disabledReply = parseConfiguredReply(config.lifecycle.disabledMailboxReply, 'lifecycle.disabledMailboxReply');
    const core = new MailCore({ store, crypto, limits: config.limits, clock: options.clock, policy: servicePolicyOf(config) });
    closers.push(() => core.statistics.flush());
    if ((await core.domains.list()).length === 0) await core.domains.add(config.demoDomain);
    const tls = { key: await readFile(paths.tlsKey), cert: await readFile(paths.tlsCert) };
    const listeners: RunningService['listeners'] = [];
    const gates = serviceGates(config, await raiseOpenFileLimit(logger), core.clock, logger);
    closers.push(async () => {
      for (const gate of Object.values(gates)) gate.close();
    });
    // Shared by the MX, which fills it, and /metrics, which reports it.
    const mxBufferBudget = new BufferBudget(config.smtp.mx.maxBufferedBytes);
    const workers = new WorkerPool(config.workers);
    closers.push(() => workers.close());
    const outbound = await startOutbound({ core, store, crypto, config, paths, logger, environment: options.outbound });
    closers.push(() => outbound.close());
    const jobs = new ServiceJobs(core, store, config, options.dataDir, logger);
    closers.push(() => jobs.scheduler.stop());
    const admin = await startAdminSocket(paths.adminSocket, adminOperations(core, outbound.queue, jobs), logger);
    closers.push(() => admin.close());
    const start = async (name: string, tlsMode: 'starttls' | 'implicit' | 'none', listener: Promise<RunningListener>) => {
      const running = await listener;
      closers.push(() => running.close());
      listeners.push({ name, port: running.port, tls: tlsMode });
    };
    if (config.smtp.mx.enabled) {
      await start(
        'smtp-mx',
        'starttls',
        startMx({
          core,
          config: { hostname: config.hostname, limits: config.limits, mx: config.smtp.mx },
          tls,
          logger,
          host: config.listenAddress,
          port: config.smtp.mx.port,
          disabledReply,
          checks: inboundChecksFromConfig(config, logger, workers, options.inboundDns),
          bufferBudget: mxBufferBudget,
          gate: gates.mx,
        }),
      );
    }
    // One sending service (and so one set of sending limits) for both submission ports and
    // the web: the budget must not double by switching port or client.
    const sending = new SendingService({
      core,
      queue: outbound.queue,
      dkim: outbound.dkim,
      limits: new SendingLimits(core.clock, config.limits),
      hostname: config.hostname,
      recipientsPerMessage: config.limits.recipientsPerMessage,
      messageMaxBytes: config.limits.messageMaxBytes,
      clientHeaders: clientHeaderPolicyOf(config.sending),
      logger,
    });
    if (config.smtp.submission.enabled || config.smtp.submissions.enabled) {
      // One login for both ports: throttling must not double by switching port.
      const submission = {
        core,
        sending,
        login: new AppPasswordLogin(
          core,
          new LoginThrottle(
            {
              windowMs: config.smtp.submission.authFailureWindowMs,
              maxFailuresPerSource: config.smtp.submission.authMaxFailures,
            },
            core.clock,
          ),
          config.smtp.submission.authFailureDelayMs,
          'smtp',
        ),
        config: { hostname: config.hostname, limits: config.limits, clients: config.clients, submission: config.smtp.submission },
        tls,
        gate: gates.submission,
        logger,
        host: config.listenAddress,
        disabledReply,
      };
      if (config.smtp.submission.enabled) {
        await start('submission', 'starttls', startSubmission({ ...submission, implicitTls: false, port: config.smtp.submission.port }));
      }
      if (config.smtp.submissions.enabled) {
        await start('submissions', 'implicit', startSubmission({ ...submission, implicitTls: true, port: config.smtp.submissions.port }));
      }
    }
    if (config.imap.enabled) {
      // One server for both ports: login throttling and per-account session limits are shared.
      const imap = createImapServer({ core, crypto, config, tls, logger, gate: gates.imap });
      await start('imap', 'starttls', imap.listen({ host: config.listenAddress, port: config.imap.port, implicitTls: false }));
      await start('imaps', 'implicit', imap.listen({ host: config.listenAddress, port: config.imap.tlsPort, implicitTls: true }));
    }
    if (config.pop3.enabled) {
      const pop3 = new Pop3Service({ core, config: config.pop3, clients: config.clients, tls, logger, gate: gates.pop3 });
      await start('pop3', 'starttls', pop3.listen('starttls', config.listenAddress, config.pop3.port));
      await start('pop3s', 'implicit', pop3.listen('implicit', config.listenAddress, config.pop3.tlsPort));
    }
    if (config.web.enabled) {
      const web = startWeb({
        tls,
        host: config.listenAddress,
        port: config.web.port,
        gate: gates.web,
        core,
        crypto,
        config,
        logger,
        serverKey: await readServerKey(paths.serverKey),
        clock: options.clock,
        sending,
        // The metrics port is the operator's, never shown to users.
        endpoints: () => listeners.filter((listener): listener is typeof listener & { tls: 'starttls' | 'implicit' } => listener.tls !== 'none'),
      });
      await start('https', 'implicit', web);
    }
    if (config.metrics.enabled) {
      await start(
        'metrics',
        'none',
        startMetrics({ collector: new MetricsCollector(core, jobs, mxBufferBudget, gates), host: config.metrics.listenAddress, port: config.metrics.port }),
      );
    }
    jobs.scheduler.start();
    const eraseDeleted = () =>
      core.erasePendingDeletions().catch((error: unknown) => logger.error({ err: error }, 'erasing deleted messages failed; retried at the next interval'));
    const erasure = setInterval(eraseDeleted, config.retention.erasureIntervalMinutes * 60_000);
    erasure.unref();
    closers.push(async () => {
      clearInterval(erasure);
      await eraseDeleted();
    });
    return { paths, core, store, crypto, listeners, outbound: outbound.queue, sending, jobs, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
