// A full disk (or a full quota) is not a bug and not a reason to log once per message: the
// front-ends answer "try again later, out of storage" (SMTP 452 4.3.1, IMAP NO [UNAVAILABLE],
// HTTP 507), and the alarm here logs one line a minute and counts for /metrics, so the
// operator hears it once, clearly (issue 12, item 5). The store reopens itself once there is
// room (store/disk-room.ts) and says so; the alarm then logs that writes succeed again.
import type { Logger } from './log.ts';

const OUT_OF_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);
/** LevelDB reports the condition in its message, not as an errno code. */
const OUT_OF_SPACE_TEXT = /No space left on device|Disk quota exceeded|ENOSPC|EDQUOT/;
const LOG_INTERVAL_MS = 60_000;

/** Whether an error, or one it was caused by, says the disk or the quota is full. */
export function isOutOfSpace(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && OUT_OF_SPACE_CODES.has(code)) return true;
    if (typeof message === 'string' && OUT_OF_SPACE_TEXT.test(message)) return true;
  }
  return false;
}

/** Counts refusals for lack of space; one log line per minute at most, for running full
 * and for recovering alike. */
export class OutOfSpaceAlarm {
  #refusals = 0;
  #full = false;
  #loggedAt = Number.NEGATIVE_INFINITY;
  #resumeLoggedAt = Number.NEGATIVE_INFINITY;

  get refusals(): number {
    return this.#refusals;
  }

  report(logger: Logger): void {
    this.#refusals += 1;
    this.#full = true;
    const now = performance.now();
    if (now - this.#loggedAt < LOG_INTERVAL_MS) return;
    this.#loggedAt = now;
    logger.error({ refusals: this.#refusals }, 'storage: the data directory is out of space; writes are refused until space is freed');
  }

  /** The store wrote again after failing; said only if a refusal was reported meanwhile. */
  resumed(logger: Logger): void {
    if (!this.#full) return;
    this.#full = false;
    const now = performance.now();
    if (now - this.#resumeLoggedAt < LOG_INTERVAL_MS) return;
    this.#resumeLoggedAt = now;
    logger.info({ refusals: this.#refusals }, 'storage: writes succeed again');
  }
}

/** One for the process: every front-end reports to it, /metrics reads it. */
export const outOfSpace = new OutOfSpaceAlarm();
