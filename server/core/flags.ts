// Message flags as the core stores them: system flags in canonical case, keywords in the
// spelling first used (IMAP keywords are case-insensitive, RFC 3501 section 2.3.2), and the
// per-folder counters (unseen, deleted) every write path keeps in step so that STATUS never
// has to scan a folder.

/** \Recent is per session (RFC 3501) and never stored; anything else a client sets is. */
const SESSION_FLAGS = new Set(['\\recent']);

const CANONICAL_SYSTEM_FLAGS: Record<string, string> = {
  '\\seen': '\\Seen',
  '\\answered': '\\Answered',
  '\\flagged': '\\Flagged',
  '\\deleted': '\\Deleted',
  '\\draft': '\\Draft',
};

export type FlagUpdateMode = 'set' | 'add' | 'remove';

/** Canonical, duplicate-free flags; session-only flags are dropped. */
export function normalizeFlags(flags: readonly string[]): string[] {
  const result: string[] = [];
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    if (SESSION_FLAGS.has(lower)) continue;
    const normalized = CANONICAL_SYSTEM_FLAGS[lower] ?? flag;
    if (!result.some((existing) => existing.toLowerCase() === lower)) result.push(normalized);
  }
  return result;
}

export function hasFlag(list: readonly string[], flag: string): boolean {
  const lower = flag.toLowerCase();
  return list.some((candidate) => candidate.toLowerCase() === lower);
}

export function applyFlags(current: readonly string[], mode: FlagUpdateMode, flags: readonly string[]): string[] {
  switch (mode) {
    case 'set':
      return [...flags];
    case 'add':
      return [...current, ...flags.filter((flag) => !hasFlag(current, flag))];
    case 'remove':
      return current.filter((flag) => !hasFlag(flags, flag));
  }
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((flag) => hasFlag(b, flag));
}

/** What one message adds to its folder's counters. */
export function flagCounts(flags: readonly string[]): { unseen: number; deleted: number } {
  return { unseen: flags.includes('\\Seen') ? 0 : 1, deleted: flags.includes('\\Deleted') ? 1 : 0 };
}

/** Adds (sign 1) or removes (sign -1) a message with these flags to a folder's counters. */
export function adjustCounts(folder: { unseen: number; deleted: number }, flags: readonly string[], sign: 1 | -1): void {
  const counts = flagCounts(flags);
  folder.unseen += sign * counts.unseen;
  folder.deleted += sign * counts.deleted;
}
