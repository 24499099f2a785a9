// LIST patterns (RFC 3501 6.3.8): the reference and the pattern are joined; "*" matches
// anything, "%" anything but the hierarchy delimiter. "INBOX" at the start matches in any
// case, as the name INBOX does. Matching is a dynamic programme over the pattern after
// runs of wildcards are collapsed, so no pattern can make it slow.
import { HIERARCHY_DELIMITER, INBOX } from '../core/folder-tree.ts';

export type NameMatcher = (name: string) => boolean;

/** Longest pattern considered after collapsing wildcards: far above any folder name. */
const MAX_PATTERN_LENGTH = 4096;

export function matcher(reference: string, pattern: string): NameMatcher {
  let full = collapse(reference + pattern);
  if (full.slice(0, INBOX.length).toUpperCase() === INBOX) full = INBOX + full.slice(INBOX.length);
  if (full.length > MAX_PATTERN_LENGTH) return () => false;
  return (name) => matches(full, name);
}

/** "**", "%*", "*%" → "*"; "%%" → "%". */
function collapse(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const last = out[out.length - 1];
    if ((c === '*' || c === '%') && (last === '*' || last === '%')) {
      if (c === '*') out = `${out.slice(0, -1)}*`;
      continue;
    }
    out += c;
  }
  return out;
}

function matches(pattern: string, name: string): boolean {
  // reachable[j]: the pattern read so far can match name[0, j).
  let reachable = new Uint8Array(name.length + 1);
  reachable[0] = 1;
  // Code units on both sides, so that characters beyond U+FFFF compare as their pairs.
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const next = new Uint8Array(name.length + 1);
    if (c === '*' || c === '%') {
      let open = false;
      for (let j = 0; j <= name.length; j++) {
        if (reachable[j]) open = true;
        if (open) next[j] = 1;
        if (c === '%' && j < name.length && name[j] === HIERARCHY_DELIMITER) open = false;
      }
    } else {
      let any = false;
      for (let j = 0; j < name.length; j++) {
        if (reachable[j] && name[j] === c) {
          next[j + 1] = 1;
          any = true;
        }
      }
      if (!any) return false;
    }
    reachable = next;
  }
  return reachable[name.length] === 1;
}
