// RFC 5256 section 2.1: the "base subject" used by SORT SUBJECT and THREAD, and whether a
// reply/forward marker was removed (THREAD=REFERENCES step 5 needs it). Input is the
// decoded subject. Grammar:
//
//   subj-refwd   = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
//   subj-blob    = "[" *BLOBCHAR "]" *WSP
//   subj-leader  = (*subj-blob subj-refwd) / WSP
//   subj-trailer = "(fwd)" / WSP
//   subj-fwd-hdr = "[fwd:"      subj-fwd-trl = "]"
//
// The steps work on indexes into one string (no re-slicing) and remember where a chain of
// blobs without a following "re:" ended, so hostile subjects like "[a][a][a]..." cost
// linear time.

export interface BaseSubject {
  base: string;
  isReplyOrForward: boolean;
}

const FWD_TRAILER = '(fwd)';
const FWD_HEADER = '[fwd:';

export function extractBaseSubject(decodedSubject: string): BaseSubject {
  // Step 1: each run of whitespace (tabs, unfolded line breaks) becomes one space.
  const subject = decodedSubject.replace(/[ \t\r\n]+/g, ' ');
  let start = 0;
  let end = subject.length;
  let isReplyOrForward = false;
  /** Leader scans starting before this index are known to fail. */
  let leaderFailsBefore = -1;
  for (;;) {
    // Step 2: trailing "(fwd)" and whitespace.
    for (;;) {
      if (end > start && subject[end - 1] === ' ') {
        end--;
      } else if (end - start >= FWD_TRAILER.length && subject.slice(end - FWD_TRAILER.length, end).toLowerCase() === FWD_TRAILER) {
        end -= FWD_TRAILER.length;
        isReplyOrForward = true;
      } else {
        break;
      }
    }
    // Steps 3 to 5: leaders, then a leading blob if something remains after it.
    for (;;) {
      const before = start;
      while (start < end && subject[start] === ' ') start++;
      if (start >= leaderFailsBefore) {
        const leader = scanLeader(subject, start, end);
        if (leader.matched) {
          start = leader.end;
          isReplyOrForward = true;
        } else {
          leaderFailsBefore = leader.end;
        }
      }
      const blobEnd = scanBlob(subject, start, end);
      if (blobEnd > start && blobEnd < end) start = blobEnd;
      if (start === before) break;
    }
    // Step 6: "[fwd: ... ]" around the whole subject.
    if (end - start > FWD_HEADER.length && subject.slice(start, start + FWD_HEADER.length).toLowerCase() === FWD_HEADER && subject[end - 1] === ']') {
      start += FWD_HEADER.length;
      end--;
      isReplyOrForward = true;
      leaderFailsBefore = -1;
      continue;
    }
    return { base: subject.slice(start, end), isReplyOrForward };
  }
}

/** `*subj-blob subj-refwd` at `from`: where it ends when matched, else where the blob
 * chain stopped (scans from inside that chain fail the same way). */
function scanLeader(subject: string, from: number, end: number): { matched: boolean; end: number } {
  let position = from;
  for (;;) {
    const refwdEnd = scanRefwd(subject, position, end);
    if (refwdEnd > 0) return { matched: true, end: refwdEnd };
    const blobEnd = scanBlob(subject, position, end);
    if (blobEnd === position) return { matched: false, end: position };
    position = blobEnd;
  }
}

/** ("re" / "fw" / "fwd") *WSP [subj-blob] ":" at `from`; returns its end or 0. */
function scanRefwd(subject: string, from: number, end: number): number {
  const head = subject.slice(from, from + 3).toLowerCase();
  let position: number;
  if (head.startsWith('re')) position = from + 2;
  else if (head === 'fwd') position = from + 3;
  else if (head.startsWith('fw')) position = from + 2;
  else return 0;
  while (position < end && subject[position] === ' ') position++;
  position = scanBlob(subject, position, end);
  return position < end && subject[position] === ':' ? position + 1 : 0;
}

/** "[" *BLOBCHAR "]" *WSP at `from`; returns its end, or `from` when there is none. */
function scanBlob(subject: string, from: number, end: number): number {
  if (subject[from] !== '[') return from;
  for (let i = from + 1; i < end; i++) {
    const c = subject[i];
    if (c === '[') return from;
    if (c === ']') {
      let position = i + 1;
      while (position < end && subject[position] === ' ') position++;
      return position;
    }
  }
  return from;
}
