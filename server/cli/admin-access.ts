// How the CLI reaches the store: through the running server's admin socket when one runs
// (LevelDB allows one process), otherwise by opening the store itself.
import type { SealpostCrypto } from '../../crypto/api.ts';
import { adminOperations, type AdminMethodName, type AdminMethods } from '../admin/operations.ts';
import { AdminError, connectAdminSocket, type AdminClient } from '../admin/socket.ts';
import type { Config } from '../config/schema.ts';
import { servicePolicyOf } from '../config/service-policy.ts';
import { MailCore } from '../core/mail-core.ts';
import { ServiceJobs } from '../jobs/service-jobs.ts';
import { createLogger } from '../log.ts';
import { dataDirPaths, readServerKey } from '../data-dir.ts';
import { offlineQueueAdmin } from '../queue/admin.ts';
import { OutboundSpool } from '../queue/spool.ts';
import { openLevelStore } from '../store/open.ts';

export async function openAdmin(dataDir: string, config: Config, crypto: SealpostCrypto): Promise<AdminClient & { via: 'socket' | 'store' }> {
  const paths = dataDirPaths(dataDir, config);
  const remote = await connectAdminSocket(paths.adminSocket);
  if (remote) return Object.assign(remote, { via: 'socket' as const });
  const store = await openLevelStore(paths.store);
  const core = new MailCore({ store, crypto, limits: config.limits, policy: servicePolicyOf(config) });
  if ((await core.domains.list()).length === 0) await core.domains.add(config.demoDomain);
  // The spool key is read only when a queue command needs it (a fresh data dir may lack it).
  const spool = async () => new OutboundSpool(store, crypto, await readServerKey(paths.spoolKey), core.clock);
  const methods: AdminMethods = adminOperations(
    core,
    {
      list: async () => offlineQueueAdmin(await spool(), core.clock).list(),
      retry: async (id) => offlineQueueAdmin(await spool(), core.clock).retry(id),
      delete: async (id) => offlineQueueAdmin(await spool(), core.clock).delete(id),
    },
    new ServiceJobs(core, store, config, dataDir, createLogger(config.log.level)),
  );
  return {
    via: 'store',
    call: async (method, params, options) => {
      try {
        const context = { progress: (progress: unknown) => options?.onProgress?.(progress) };
        return await (methods[method as AdminMethodName] as (p: unknown, c: typeof context) => Promise<never>)(params, context);
      } catch (error) {
        throw new AdminError((error as { code?: string }).code ?? 'INTERNAL', (error as Error).message);
      }
    },
    close: async () => {
      await core.statistics.flush();
      await store.close();
    },
  };
}
