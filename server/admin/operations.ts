// Operator operations, executed by whichever process holds the store: the running server
// (reached over the admin socket) or the CLI itself when no server runs. Requests carry only
// what a client derived: verifiers, wrapped keys, public keys. Never a password.
import type { AccountKeyMaterial } from '../../crypto/account-keys.ts';
import type { WireAccountKeys } from '../../shared/account-wire.ts';
import type { MailCore } from '../core/mail-core.ts';
import { fromBase64 } from '../core/records.ts';
import type { QueueAdmin, QueueListing } from '../queue/admin.ts';
import { isDay, startOfDay, type Day } from '../core/calendar.ts';
import type { DeliveryLogEntry } from '../core/delivery-log.ts';
import { MailError } from '../core/errors.ts';
import type { DailyTotals } from '../core/statistics.ts';
import type { RetentionReport } from '../jobs/retention.ts';
import type { ServiceJobs } from '../jobs/service-jobs.ts';

/** What a long operation can tell the caller while it runs (progress lines). */
export interface AdminCallContext {
  progress(update: unknown): void;
}

export interface AdminMethods {
  status(params: Record<string, never>): Promise<{ accounts: number; domains: string[] }>;
  'domain.add'(params: { name: string }): Promise<{ name: string }>;
  'domain.list'(params: Record<string, never>): Promise<{ domains: string[] }>;
  'account.create'(params: { address: string; material: WireAccountKeys }): Promise<{ id: string; address: string }>;
  /** The locked key material: enough to derive from a password on the client side. */
  'account.locked'(params: { address: string }): Promise<{
    id: string;
    address: string;
    kdf: AccountKeyMaterial['kdf'];
    salt: string;
    passwordSlot: string;
    publicKey: string;
    encryptedPrivateKey: string;
  }>;
  'account.add-app-password'(params: { address: string; label: string; verifier: string; wrappedMasterKey: string }): Promise<{ slotId: string }>;
  'account.list'(params: Record<string, never>): Promise<{
    accounts: { id: string; address: string; aliases: string[]; createdAt: number; quotaBytes: number; usedBytes: number; messages: number }[];
  }>;
  'account.delete'(params: { address: string }): Promise<{ id: string }>;
  /** The outbound queue: envelope and status only, never content. */
  'queue.list'(params: Record<string, never>): Promise<{ entries: QueueListing[] }>;
  'queue.retry'(params: { id: string }): Promise<{ id: string }>;
  'queue.delete'(params: { id: string }): Promise<{ id: string }>;
  /** Credits a payment that arrived with a payment code; says nothing about the account. */
  'credit.book'(params: { code: string; amountCents: number }): Promise<{ amountCents: number; currency: string }>;
  'voucher.create'(params: { valueCents: number; count: number }): Promise<{ codes: string[]; valueCents: number; currency: string }>;
  /** The delivery log of one address; `since` is a UTC day (YYYY-MM-DD) or a time in ms. */
  'log.search'(params: { address: string; since?: Day | number }): Promise<{ entries: DeliveryLogEntry[] }>;
  'stats.daily'(params: { fromDay?: Day }): Promise<{ days: DailyTotals[] }>;
  'retention.run'(params: { dryRun: boolean }, context?: AdminCallContext): Promise<RetentionReport>;
  'backup.create'(params: Record<string, never>): Promise<{ id: string; createdAt: number; entries: number; blobs: number; bytes: number; newBlobs: number }>;
  'backup.restore'(params: {
    id: string;
    address?: string;
    replace?: boolean;
  }): Promise<
    { kind: 'account'; id: string; address: string; messages: number; blobs: number } | { kind: 'all'; accounts: number; blobs: number; entries: number }
  >;
}

export type AdminMethodName = keyof AdminMethods;
export type AdminParams<M extends AdminMethodName> = Parameters<AdminMethods[M]>[0];
export type AdminResult<M extends AdminMethodName> = Awaited<ReturnType<AdminMethods[M]>>;

/** `queue` is null when outbound delivery is disabled; `jobs` when the caller runs none. */
export function adminOperations(core: MailCore, queue: QueueAdmin | null = null, jobs: ServiceJobs | null = null): AdminMethods {
  const requireBilling = () => {
    if (!core.billing) throw new MailError('INVALID_ARGUMENT', 'billing is disabled (billing.enabled=false): this service is free');
    return core.billing;
  };
  const requireJobs = (): ServiceJobs => {
    if (!jobs) throw Object.assign(new Error('retention runs and backups are not available here'), { code: 'JOBS_UNAVAILABLE' });
    return jobs;
  };
  const requireQueue = (): QueueAdmin => {
    if (!queue) throw Object.assign(new Error('outbound delivery is disabled (outbound.enabled=false)'), { code: 'QUEUE_DISABLED' });
    return queue;
  };
  return {
    async 'queue.list'() {
      return { entries: await requireQueue().list() };
    },
    async 'queue.retry'({ id }) {
      await requireQueue().retry(String(id));
      return { id: String(id) };
    },
    async 'queue.delete'({ id }) {
      await requireQueue().delete(String(id));
      return { id: String(id) };
    },
    async 'credit.book'({ code, amountCents }) {
      return requireBilling().paymentCodes.book(code, amountCents);
    },
    async 'voucher.create'({ valueCents, count }) {
      const billing = requireBilling();
      return { codes: await billing.vouchers.create(valueCents, count), valueCents, currency: billing.settings.currency };
    },
    async 'log.search'({ address, since }) {
      if (typeof address !== 'string' || address.length === 0) throw new MailError('INVALID_ARGUMENT', 'log search needs an address');
      let sinceTime: number | undefined;
      if (typeof since === 'string') {
        if (!isDay(since)) throw new MailError('INVALID_ARGUMENT', `--since takes a UTC day like 2026-01-31, not "${since}"`);
        sinceTime = startOfDay(since);
      } else if (since !== undefined) {
        if (!Number.isSafeInteger(since) || since < 0) throw new MailError('INVALID_ARGUMENT', 'since must be a time in milliseconds');
        sinceTime = since;
      }
      return { entries: await core.deliveryLog.search({ address: address.trim().toLowerCase(), since: sinceTime }) };
    },
    async 'stats.daily'({ fromDay }) {
      if (fromDay !== undefined && !isDay(fromDay)) throw new MailError('INVALID_ARGUMENT', `--from takes a UTC day like 2026-01-31, not "${fromDay}"`);
      await core.statistics.flush();
      return { days: await core.statistics.daily(fromDay) };
    },
    async 'retention.run'({ dryRun }, context) {
      return requireJobs().runRetention({ dryRun: dryRun === true, onProgress: (progress) => context?.progress(progress) });
    },
    async 'backup.create'() {
      const { manifest, newBlobs } = await requireJobs().createBackup();
      return {
        id: manifest.id,
        createdAt: manifest.createdAt,
        entries: manifest.kv.entries,
        blobs: manifest.blobs.count,
        bytes: manifest.kv.bytes + manifest.blobs.bytes,
        newBlobs,
      };
    },
    async 'backup.restore'({ id, address, replace }) {
      const backups = requireJobs().backups;
      if (address === undefined) return { kind: 'all' as const, ...(await backups.restoreAll(String(id))) };
      return { kind: 'account' as const, ...(await backups.restoreAccount(String(id), String(address), { replace: replace === true })) };
    },
    async status() {
      return { accounts: (await core.accounts.list()).length, domains: await core.domains.list() };
    },
    async 'domain.add'({ name }) {
      return { name: await core.domains.add(name) };
    },
    async 'domain.list'() {
      return { domains: await core.domains.list() };
    },
    async 'account.create'({ address, material }) {
      const account = await core.accounts.create(address, {
        kdf: material.kdf,
        salt: fromBase64(material.salt),
        passwordVerifier: fromBase64(material.passwordVerifier),
        passwordSlot: fromBase64(material.passwordSlot),
        publicKey: fromBase64(material.publicKey),
        encryptedPrivateKey: fromBase64(material.encryptedPrivateKey),
        recovery: { verifier: fromBase64(material.recovery.verifier), wrappedMasterKey: fromBase64(material.recovery.wrappedMasterKey) },
      });
      return { id: account.id, address: account.address };
    },
    async 'account.locked'({ address }) {
      const account = await core.accounts.getByAddress(address);
      const { salt, ...kdf } = account.kdf;
      return {
        id: account.id,
        address: account.address,
        kdf,
        salt,
        passwordSlot: account.passwordSlot,
        publicKey: account.publicKey,
        encryptedPrivateKey: account.encryptedPrivateKey,
      };
    },
    async 'account.add-app-password'({ address, label, verifier, wrappedMasterKey }) {
      const account = await core.accounts.getByAddress(address);
      const slot = await core.accounts.addAppPassword(account.id, label, {
        verifier: fromBase64(verifier),
        wrappedMasterKey: fromBase64(wrappedMasterKey),
      });
      return { slotId: slot.id };
    },
    async 'account.list'() {
      const accounts = await core.accounts.list();
      return {
        accounts: accounts.map((account) => ({
          id: account.id,
          address: account.address,
          aliases: account.aliases,
          createdAt: account.createdAt,
          quotaBytes: account.quotaBytes,
          usedBytes: account.usage.bytes,
          messages: account.usage.messages,
        })),
      };
    },
    async 'account.delete'({ address }) {
      const account = await core.accounts.getByAddress(address);
      await core.accounts.delete(account.id);
      return { id: account.id };
    },
  };
}
