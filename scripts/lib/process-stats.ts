// CPU time and proportional memory (PSS) of a process and all its descendants, from /proc.
// Dovecot runs one process per job (master, auth, login, one imap per session); Sealpost
// runs one. Children that exited count through their parent's cutime/cstime (the kernel
// adds them when the parent reaps them), so summing the whole live tree misses nothing.
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: the unit of the times in /proc/<pid>/stat on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The process and every live descendant. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** CPU seconds (user + system, reaped children included) of the tree. */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the state field.
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // exited meanwhile: its parent will count it once reaped
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Proportional set size of the tree in KiB: shared pages split between their users. */
export function treePssKiB(root: number): number {
  let kib = 0;
  for (const pid of processTree(root)) {
    try {
      kib += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kib;
}
