// Every socket is a file handle. Once the process has none left, accept() fails for every
// listener at once and the store cannot open a file: 20,000 idle web sockets did exactly
// that (issue 12, item 2). So at start the soft open-file limit is raised to the hard one
// (an unprivileged process may), and the services' connection caps, together with what
// the store and the outbound queue hold, must fit below it; if they do not, the caps are
// scaled down and the log says so.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Logger } from '../log.ts';

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** Handles kept free for everything but client sockets: LevelDB's table files (classic-level
 * keeps up to 1000 open), the blob log, the worker threads, DNS, the admin socket, logs. */
export const RESERVED_FILE_HANDLES = 1000 + 512;
/** No service is scaled below this many connections. */
const MIN_CAP = 10;

/** The limit as the kernel states it (Linux); undefined where /proc is not there. */
export async function readOpenFileLimit(): Promise<OpenFileLimit | undefined> {
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => undefined);
  const match = limits && /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!match) return undefined;
  const value = (text: string) => (text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

/** Raises the soft limit to the hard one with util-linux's prlimit (Node has no setrlimit),
 * and returns the limit that holds afterwards. */
export async function raiseOpenFileLimit(logger: Logger): Promise<OpenFileLimit | undefined> {
  const before = await readOpenFileLimit();
  if (!before || before.soft >= before.hard) return before;
  const hard = Number.isFinite(before.hard) ? String(before.hard) : 'unlimited';
  try {
    await promisify(execFile)('prlimit', [`--pid=${process.pid}`, `--nofile=${hard}:${hard}`]);
  } catch (error) {
    logger.warn({ code: (error as NodeJS.ErrnoException).code, soft: before.soft, hard: before.hard }, 'could not raise the open-file limit (prlimit)');
    return before;
  }
  const after = (await readOpenFileLimit()) ?? before;
  logger.info({ from: before.soft, to: after.soft }, 'open-file limit raised to the hard limit');
  return after;
}

/** The caps, scaled down in proportion when their sum and `reserved` do not fit in `limit`. */
export function fitConnectionCaps<Name extends string>(caps: Record<Name, number>, limit: number, reserved: number): Record<Name, number> {
  const names = Object.keys(caps) as Name[];
  const total = names.reduce((sum, name) => sum + caps[name], 0);
  const available = limit - reserved;
  if (total <= available) return caps;
  const factor = Math.max(0, available) / total;
  return Object.fromEntries(names.map((name) => [name, Math.max(MIN_CAP, Math.floor(caps[name] * factor))])) as Record<Name, number>;
}
