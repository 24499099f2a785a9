// Expiry of a special-use folder by age (Junk after 30 days, Trash after N): the retention
// job asks, the core decides which messages and expunges them. UIDs rise in the order
// messages enter a folder, so a checkpoint of the folder's UIDNEXT per day dates every
// arrival to the day: the messages below the UIDNEXT of the newest checkpoint at least
// `days` old came in before it. (INTERNALDATE would not do: a message moved to Trash keeps
// the date it first arrived.) A folder first seen today counts everything in it from today.
import { addDays, utcDay, type Day } from './calendar.ts';
import type { CoreContext } from './context.ts';
import { isMailError } from './errors.ts';
import type { Folders } from './folders.ts';
import { keys } from './keys.ts';
import type { Mailbox } from './mailbox.ts';
import { decodeRecord, encodeRecord, type FolderRecord, type SpecialUse } from './records.ts';

/** [day, the folder's UIDNEXT as that day's run found it], oldest first. */
type FolderCheckpoints = [Day, number][];

export class FolderExpiry {
  readonly #context: CoreContext;
  readonly #folders: Folders;
  readonly #mailbox: Mailbox;

  constructor(context: CoreContext, folders: Folders, mailbox: Mailbox) {
    this.#context = context;
    this.#folders = folders;
    this.#mailbox = mailbox;
  }

  /** Deletes (or, dry, counts) the messages that entered the folder at least `days` days
   * ago; 0 for an account or folder that is gone. */
  async expire(accountId: string, specialUse: SpecialUse, days: number, options: { dryRun: boolean }): Promise<number> {
    let folder: FolderRecord;
    try {
      folder = await this.#folders.findBySpecialUse(accountId, specialUse);
    } catch (error) {
      if (isMailError(error, 'MAILBOX_NONEXISTENT') || isMailError(error, 'ACCOUNT_NONEXISTENT')) return 0;
      throw error;
    }
    const { kv } = this.#context.store;
    const today = utcDay(this.#context.clock.now());
    const checkpointsKey = keys.folderCheckpoints(accountId, folder.id);
    const stored = await kv.get(checkpointsKey);
    const previous: FolderCheckpoints = stored ? decodeRecord(stored) : [];
    const checkpoints: FolderCheckpoints = previous.some(([day]) => day === today) ? previous : [...previous, [today, folder.uidNext]];
    const cutoffDay = addDays(today, -days);
    const usable = checkpoints.filter(([day]) => day <= cutoffDay).at(-1);
    const uids: number[] = [];
    if (usable) {
      const prefix = keys.messagePrefix(accountId, folder.id);
      for await (const [key] of kv.iterate({ gte: prefix, lt: keys.message(accountId, folder.id, usable[1]) })) {
        uids.push(Number(key.slice(prefix.length)));
      }
    }
    if (options.dryRun) return uids.length;
    if (uids.length > 0) await this.#mailbox.expunge(accountId, folder.id, uids, { byRetention: true });
    // Checkpoints older than the one just used can never be the newest usable one again.
    const kept = usable ? checkpoints.filter(([day]) => day >= usable[0]) : checkpoints;
    if (JSON.stringify(kept) !== JSON.stringify(previous)) {
      await this.#context.writer.run(accountId, async (txn) => {
        // Not for an account deleted meanwhile: nothing would remove the record then.
        if (await txn.get(keys.folder(accountId, folder.id))) txn.put(checkpointsKey, encodeRecord(kept));
      });
    }
    return uids.length;
  }
}
