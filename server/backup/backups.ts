// Backups of the running service (server/backup/format.ts has the layout): create, list,
// verify, prune past the retention period, restore. Creating, pruning and restoring take
// turns, so pruning never removes a pool blob a backup being written is about to name.
import { resolve } from 'node:path';
import type { MailCore } from '../core/mail-core.ts';
import type { Store } from '../store/types.ts';
import { listBackups, pruneBackups, verifyBackup, type Pruning, type Verification } from './catalog.ts';
import { createBackup, type CreatedBackup } from './create.ts';
import type { BackupManifest } from './format.ts';
import { restoreAccount, restoreAll, type RestoredAccount } from './restore.ts';

export class Backups {
  readonly directory: string;
  readonly #core: MailCore;
  readonly #store: Store;
  readonly #retentionDays: number;
  #turn: Promise<unknown> = Promise.resolve();

  /** `directory` is resolved against the data directory when relative. Backups read and
   * write the store itself (consistent snapshots, blob holds); restores use the core to
   * delete and release accounts. */
  constructor(core: MailCore, store: Store, dataDir: string, directory: string, retentionDays: number) {
    this.#core = core;
    this.#store = store;
    this.directory = resolve(dataDir, directory);
    this.#retentionDays = retentionDays;
  }

  create(): Promise<CreatedBackup> {
    return this.#exclusively(() => createBackup(this.#store, this.directory, this.#core.clock.now()));
  }

  list(): Promise<BackupManifest[]> {
    return listBackups(this.directory);
  }

  verify(id: string): Promise<Verification> {
    return verifyBackup(this.directory, id);
  }

  /** Removes backups whose age reached the retention period (or lists them when `dryRun`). */
  prune(dryRun: boolean): Promise<Pruning> {
    return this.#exclusively(() => pruneBackups(this.directory, this.#core.clock.now(), this.#retentionDays, dryRun));
  }

  /** When the oldest backup reaches the retention period (the scheduler wakes then). */
  async nextExpiry(): Promise<number | null> {
    const oldest = (await this.list())[0];
    return oldest ? oldest.createdAt + this.#retentionDays * 86_400_000 : null;
  }

  restoreAccount(id: string, address: string, options: { replace: boolean }): Promise<RestoredAccount> {
    return this.#exclusively(() => restoreAccount(this.#core, this.#store, this.directory, id, address, options));
  }

  restoreAll(id: string): Promise<{ accounts: number; blobs: number; entries: number }> {
    return this.#exclusively(() => restoreAll(this.#store, this.directory, id));
  }

  #exclusively<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(work, work);
    this.#turn = run.catch(() => undefined);
    return run;
  }
}
