// Mutation fuzzing of the receiver and every command parser: valid command scripts are
// mutated (byte flips, truncation, duplication, inserted literals and parentheses, splices)
// and fed in random splits. A case fails if anything throws, if the receiver holds more
// memory than its limits allow, or if a case takes too long. Shared by the fuzz test and
// scripts/fuzz-imap.ts; deterministic for a given seed.
import { Receiver, type ReceiverLimits } from '../../../server/imap/proto/receiver.ts';
import { requestUsesSequenceNumbers } from '../../../server/imap/proto/commands/index.ts';
import { responseForError, serializeResponse } from '../../../server/imap/proto/response.ts';
import { prng } from './support.ts';

/** Small limits so that the limit paths are hit often. */
export const FUZZ_LIMITS: ReceiverLimits = {
  maxLineLength: 512,
  maxLiteralSize: 256,
  maxAppendSize: 4096,
  maxCommandSize: 2048,
  maxDepth: 16,
  maxNonSynchronisingLiteral: 128,
};

export const CORPUS: readonly string[] = [
  'a1 CAPABILITY\r\n',
  'a2 LOGIN {5}\r\nalice {6+}\r\nsecret\r\n',
  'a3 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n',
  'a4 AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n',
  'a5 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1:5 3:7)))\r\n',
  'a6 EXAMINE "Entw&APw-rfe" (CONDSTORE)\r\n',
  'a7 UID FETCH 1:* (FLAGS ENVELOPE BODY.PEEK[HEADER.FIELDS (FROM TO "Subject")]<0.1024> BINARY[1.2] BINARY.SIZE[1]) (CHANGEDSINCE 1 VANISHED)\r\n',
  'a8 FETCH $ FULL\r\n',
  'a9 STORE 1,3:*,*:2 (UNCHANGEDSINCE 5) -FLAGS.SILENT (\\Seen $Junk)\r\n',
  'b1 SEARCH RETURN (MIN MAX COUNT SAVE) CHARSET UTF-8 OR (FROM {3+}\r\nabc SINCE 1-Feb-1994) NOT (UID 1:5 LARGER 10) HEADER X-Y "z" MODSEQ "/flags/\\\\seen" all 5\r\n',
  'b2 UID SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n',
  'b3 THREAD REFERENCES US-ASCII SENTSINCE 01-Jan-2000\r\n',
  'b4 APPEND INBOX (\\Seen \\Draft) " 7-Feb-1994 21:52:25 -0800" {25}\r\nSubject: x\r\n\r\nbody text\r\n\r\n',
  'b5 APPEND Drafts UTF8 (~{4+}\r\nab\0c)\r\n',
  'b6 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("%" "Archive/*") RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES SIZE))\r\n',
  'b7 LSUB "" *\r\n',
  'b8 STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ APPENDLIMIT DELETED)\r\n',
  'b9 CREATE Special (USE (\\Drafts))\r\nc0 RENAME a b\r\nc1 DELETE b\r\n',
  'c2 ID ("name" "client" "version" NIL)\r\n',
  'c3 ENABLE CONDSTORE QRESYNC UTF8=ACCEPT\r\n',
  'c4 IDLE\r\nDONE\r\n',
  'c5 UID EXPUNGE 3000:3002\r\nc6 UID MOVE 1:5 Trash\r\nc7 COPY 2:4 Archive\r\n',
  'c8 SETQUOTA "" (STORAGE 512)\r\nc9 GETQUOTAROOT INBOX\r\nd0 GETQUOTA ""\r\n',
  'd1 COMPRESS DEFLATE\r\nd2 NAMESPACE\r\nd3 UNSELECT\r\nd4 CLOSE\r\nd5 LOGOUT\r\n',
];

const INSERTS = [
  '{5}\r\n',
  '{0+}\r\n',
  '{99999999}\r\n',
  '{3+}\r\n',
  '~{2}\r\n',
  '(',
  ')',
  '"',
  '\\',
  '[',
  ']',
  '<',
  '>',
  ' ',
  '\r\n',
  '\n',
  '\0',
  '*',
  '$',
  'NIL',
  '{',
  '}',
  '+',
  '&',
  '\xff',
];

function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
  const out = Array.from(bytes);
  const rounds = 1 + Math.floor(random() * 4);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(random() * (out.length + 1));
    switch (Math.floor(random() * 8)) {
      case 0: // flip a byte
        if (out.length > 0) out[Math.min(at, out.length - 1)] = Math.floor(random() * 256);
        break;
      case 1: // truncate
        out.length = at;
        break;
      case 2: {
        // duplicate a range
        const end = Math.min(out.length, at + Math.floor(random() * 40));
        out.splice(end, 0, ...out.slice(at, end));
        break;
      }
      case 3: {
        // insert a token
        const text = INSERTS[Math.floor(random() * INSERTS.length)]!;
        out.splice(at, 0, ...Array.from(text, (c) => c.charCodeAt(0) & 0xff));
        break;
      }
      case 4: // delete a range
        out.splice(at, Math.floor(random() * 20));
        break;
      case 5: {
        // splice in another corpus entry
        const other = CORPUS[Math.floor(random() * CORPUS.length)]!;
        out.splice(at, 0, ...Array.from(other, (c) => c.charCodeAt(0) & 0xff));
        break;
      }
      case 6: // parenthesis or NOT bomb
        out.splice(at, 0, ...Array.from(random() < 0.5 ? '('.repeat(40) : 'NOT '.repeat(40), (c) => c.charCodeAt(0)));
        break;
      default: // random bytes
        for (let i = 0; i < 1 + random() * 16; i++) out.splice(at, 0, Math.floor(random() * 256));
    }
  }
  return Uint8Array.from(out);
}

function randomInput(random: () => number): Uint8Array {
  if (random() < 0.1) {
    const noise = new Uint8Array(Math.floor(random() * 600));
    for (let i = 0; i < noise.length; i++) noise[i] = random() < 0.1 ? 0x0a : Math.floor(random() * 256);
    return noise;
  }
  const base = CORPUS[Math.floor(random() * CORPUS.length)]!;
  return mutate(
    Uint8Array.from(base, (c) => c.charCodeAt(0) & 0xff),
    random,
  );
}

export interface FuzzStats {
  cases: number;
  events: number;
  errors: number;
}

/** Runs one input; throws (with the reason) if any property is violated. */
export function runCase(input: Uint8Array, random: () => number, stats: FuzzStats): void {
  const receiver = new Receiver(FUZZ_LIMITS, { utf8Accept: random() < 0.3 });
  let offset = 0;
  let largestPiece = 0;
  while (offset < input.length) {
    const n = 1 + Math.floor(random() * 64);
    largestPiece = Math.max(largestPiece, n);
    receiver.feed(input.subarray(offset, offset + n));
    offset += n;
    for (let ev = receiver.next(); ev !== undefined; ev = receiver.next()) {
      stats.events++;
      switch (ev.kind) {
        case 'append-begin':
          if (random() < 0.7) receiver.acceptLiteral();
          else receiver.refuseLiteral();
          break;
        case 'command':
          requestUsesSequenceNumbers(ev.spec, ev.request);
          if (ev.request.name === 'IDLE') receiver.expectIdleDone(ev.tag);
          if (ev.request.name === 'AUTHENTICATE' && random() < 0.5) receiver.expectAuthenticationResponse(ev.tag);
          break;
        case 'error':
          stats.errors++;
          serializeResponse(responseForError(ev.error));
          break;
        default:
          break;
      }
    }
    const bound = FUZZ_LIMITS.maxLineLength + FUZZ_LIMITS.maxLiteralSize + largestPiece;
    if (receiver.bufferedBytes > bound) throw new Error(`receiver holds ${receiver.bufferedBytes} bytes (bound ${bound})`);
  }
  stats.cases++;
}

/** Runs `iterations` cases from `seed`; a failure names the case to replay. */
export function fuzz(iterations: number, seed: number): FuzzStats {
  const stats: FuzzStats = { cases: 0, events: 0, errors: 0 };
  const random = prng(seed);
  for (let i = 0; i < iterations; i++) {
    const input = randomInput(random);
    try {
      runCase(input, random, stats);
    } catch (error) {
      const shown = JSON.stringify(new TextDecoder('latin1').decode(input.subarray(0, 300)));
      throw new Error(`fuzz case ${i} (seed ${seed}) failed: ${(error as Error).stack}\ninput: ${shown}`);
    }
  }
  return stats;
}
