// A full disk (or a full quota) is not a bug and not a reason to log once per message: the
// front-ends answer "try again later, out of storage" (SMTP 452 4.3.1, IMAP NO [UNAVAILABLE],
// HTTP 507), and the alarm here logs one line a minute and counts for /metrics, so the
// operator hears it once, clearly (issue 12, item 5).
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

/** Counts refusals for lack of space; one log line per minute at most. */
export class OutOfSpaceAlarm {
  #refusals = 0;
  #loggedAt = Number.NEGATIVE_INFINITY;

  get refusals(): number {
    return this.#refusals;
  }

  report(logger: Logger): void {
    this.#refusals += 1;
    const now = performance.now();
    if (now - this.#loggedAt < LOG_INTERVAL_MS) return;
    this.#loggedAt = now;
    logger.error(
      { refusals: this.#refusals },
      'storage: the data directory is out of space; writes are refused until space is freed and the service restarted',
    );
  }
}

/** One for the process: every front-end reports to it, /metrics reads it. */
export const outOfSpace = new OutOfSpaceAlarm();
