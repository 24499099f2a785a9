// Starts a whole Sealpost service in this process on ephemeral loopback ports, with a
// fresh data directory, cheap Argon2 parameters and a captured log, for end-to-end tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createAccountKeys, createSecretSlot } from '../../crypto/account-keys.ts';
import { loadConfig } from '../../server/config/load.ts';
import type { Config } from '../../server/config/schema.ts';
import { createLogger } from '../../server/log.ts';
import { startSealpost, type RunningService, type StartOptions } from '../../server/main.ts';
import { StaticDnsResolver } from './dns-stub.ts';
import { EPHEMERAL_PORT_SETTINGS } from '../../scripts/lib/ephemeral-ports.ts';

/** Argon2id at 1 pass over 8 MiB: the tests exercise the code path, not the cost. */
export const TEST_KDF = { algorithm: 'argon2id13' as const, opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

export interface TestService extends RunningService {
  dataDir: string;
  config: Config;
  /** Everything the service logged, one JSON line per entry. */
  logLines: string[];
  port(name: string): number;
  createAccount(address: string, password?: string): Promise<{ accountId: string; password: string; recoveryCode: string }>;
  createAppPassword(accountId: string, password: string, label?: string): Promise<string>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** `options` injects a clock tests can walk, outbound DNS/MTA-STS stand-ins and the MX's DNS. */
export async function startTestService(
  overrides: string[] = [],
  dataDir?: string,
  options: Pick<StartOptions, 'clock' | 'outbound' | 'inboundDns'> = {},
): Promise<TestService> {
  const directory = dataDir ?? (await mkdtemp(join(tmpdir(), 'sealpost-test-')));
  const config = await loadConfig({
    overrides: [
      'listenAddress=127.0.0.1',
      ...EPHEMERAL_PORT_SETTINGS,
      'web.enabled=false',
      // Tests run retention and backups themselves; a daily job firing on a walked clock
      // would act in the middle of another test.
      'retention.daily=false',
      'backup.daily=false',
      `passwordKdf.opsLimit=${TEST_KDF.opsLimit}`,
      `passwordKdf.memLimitBytes=${TEST_KDF.memLimitBytes}`,
      'log.level=debug',
      ...overrides,
    ],
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  // The MX's SPF/DKIM/DMARC lookups answer from an empty zone unless a test publishes one:
  // no test waits on, or depends on, the machine's DNS.
  const inboundDns = options.inboundDns ?? new StaticDnsResolver();
  const service = await startSealpost({ dataDir: directory, config, logger: createLogger(config.log.level, sink), ...options, inboundDns });
  let stopped = false;
  return {
    ...service,
    dataDir: directory,
    config,
    logLines,
    port(name) {
      const listener = service.listeners.find((candidate) => candidate.name === name);
      if (!listener) throw new Error(`no listener named ${name}`);
      return listener.port;
    },
    async createAccount(address, password = 'correct horse battery staple') {
      const { material, recoveryCode } = await createAccountKeys(service.crypto, password, TEST_KDF);
      const account = await service.core.accounts.create(address, material);
      return { accountId: account.id, password, recoveryCode };
    },
    async createAppPassword(accountId, password, label = 'test') {
      const account = await service.core.accounts.get(accountId);
      const crypto = service.crypto;
      const derived = await crypto.deriveFromPassword(password, Buffer.from(account.kdf.salt, 'base64'), account.kdf);
      const masterKey = crypto.unwrapKey(Buffer.from(account.passwordSlot, 'base64'), derived.kek, 'password');
      const appPassword = crypto.newAppPassword();
      await service.core.accounts.addAppPassword(accountId, label, createSecretSlot(crypto, masterKey, appPassword, 'app-password'));
      crypto.wipe(masterKey, derived.kek, derived.authKey);
      return appPassword;
    },
    async stop(options = {}) {
      if (!stopped) {
        stopped = true;
        await service.close();
      }
      if (!options.keepData) await rm(directory, { recursive: true, force: true });
    },
  };
}
