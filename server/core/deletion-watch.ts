// A safeguard against a stolen session: when more messages than the threshold (50 by
// default) are deleted from a mailbox within 24 hours, the user gets a notice, at most one
// a day. Counted in hourly buckets, so the window slides; deletions by the retention job
// (old Junk and Trash) are not counted.
import type { CoreContext } from './context.ts';
import { keys } from './keys.ts';
import type { Notices } from './notices.ts';
import { decodeRecord, encodeRecord } from './records.ts';

interface DeletionWatchRecord {
  v: 1;
  /** [hour since the epoch, deletions in that hour], the last 24 hours only. */
  hours: [number, number][];
  lastNoticeAt: number | null;
}

const HOUR_MS = 3_600_000;
const WINDOW_HOURS = 24;

export class DeletionWatch {
  readonly #context: CoreContext;
  readonly #threshold: number;
  readonly #notices: () => Notices;

  /** `notices` is looked up on use: notices need the ingest path, which is built later. */
  constructor(context: CoreContext, threshold: number, notices: () => Notices) {
    this.#context = context;
    this.#threshold = threshold;
    this.#notices = notices;
  }

  /** Counts deletions the user made; sends the notice when they cross the threshold. */
  async record(accountId: string, deleted: number): Promise<void> {
    if (deleted <= 0) return;
    const now = this.#context.clock.now();
    const hour = Math.floor(now / HOUR_MS);
    const total = await this.#context.writer.run(`deletions:${accountId}`, async (txn) => {
      if (!(await txn.get(keys.account(accountId)))) return null;
      const value = await txn.get(keys.deletionWatch(accountId));
      const record: DeletionWatchRecord = value ? decodeRecord(value) : { v: 1, hours: [], lastNoticeAt: null };
      const hours = record.hours.filter(([bucket]) => bucket > hour - WINDOW_HOURS);
      const current = hours.find(([bucket]) => bucket === hour);
      if (current) current[1] += deleted;
      else hours.push([hour, deleted]);
      const count = hours.reduce((sum, [, n]) => sum + n, 0);
      const due = count > this.#threshold && (record.lastNoticeAt === null || record.lastNoticeAt <= now - WINDOW_HOURS * HOUR_MS);
      txn.put(keys.deletionWatch(accountId), encodeRecord({ v: 1, hours, lastNoticeAt: due ? now : record.lastNoticeAt } satisfies DeletionWatchRecord));
      return due ? count : null;
    });
    if (total === null) return;
    await this.#notices().deliver(accountId, {
      subject: 'Many messages were deleted from your mailbox',
      text:
        `${total} messages were deleted from your mailbox within the last 24 hours.\n\n` +
        'If you deleted them, there is nothing to do.\n\n' +
        'If you did not, someone else may be using your password or one of your app passwords: ' +
        'change your password in the web client and revoke every app password you do not recognise.\n',
    });
  }
}
