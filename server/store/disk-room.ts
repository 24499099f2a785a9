// Whether a file system that ran full has room again, so that a store which failed a write
// may reopen itself (log/blobs.ts, level/kv.ts) rather than fail every write until a restart.
// A little room is not enough: reopening writes (segments, LevelDB's manifest and log), and a
// store that reopens into a disk that fills again at once only fails again.

import { statfs } from 'node:fs/promises';

const ENOUGH_BYTES = 64 * 1024 * 1024;
/** On a small file system (a test's tmpfs), an eighth of it free is room enough. */
const ENOUGH_SHARE = 1 / 8;

export async function hasRoomToWrite(directory: string): Promise<boolean> {
  try {
    const { bavail, blocks, bsize } = await statfs(directory);
    return bavail * bsize >= Math.min(ENOUGH_BYTES, blocks * bsize * ENOUGH_SHARE);
  } catch {
    return false;
  }
}
