// SEARCH over decrypted data (RFC 3501 6.4.4, RFC 9051 6.4.4, CONDSTORE's MODSEQ key): every
// key is evaluated in three-valued logic (true, false, not yet known) against what has been
// loaded for a message, and more is loaded only while the answer is unknown: the session's
// view first (flags, UIDs, sizes, dates, MODSEQ), then the decrypted metadata record
// (envelope headers, Date), then the raw header block (any other header), and only then the
// decrypted body (BODY, TEXT). "UNSEEN SUBJECT x" on 10,000 messages decrypts no body.
//
// Strings match as case-insensitive substrings of the MIME-decoded text (encoded words,
// transfer encodings and charsets undone; HTML reduced to its text).
import { decodeEncodedWords, extractText, headerBytesToText, unfoldHeaderValue } from '../../mime/decode.ts';
import { parseMailDate } from '../../mime/date.ts';
import type { AddressEntry, MessageSummary } from '../../mime/structure.ts';
import type { MessageRecord } from '../core/records.ts';
import { normaliseRanges, resolveSequenceNumbers, type ImapDate, type SequenceSet } from './proto/index.ts';
import type { SearchKey } from './proto/commands/search-keys.ts';
import type { ViewEntry } from './selected.ts';
import type { Session } from './session.ts';

/** Messages whose data is loaded in one step. */
const BATCH = 64;

const FALSE = 0;
const TRUE = 1;
const UNKNOWN = 2;
type Truth = typeof FALSE | typeof TRUE | typeof UNKNOWN;

interface MessageData {
  index: number;
  entry: ViewEntry;
  record?: MessageRecord;
  summary?: MessageSummary;
  /** Lower-cased, decoded header fields by lower-case name. */
  headers?: Map<string, string[]>;
  /** Lower-cased decoded text of every text part. */
  body?: string;
}

type Stage = 'summary' | 'headers' | 'body';

/** Indexes into the view of the messages matching `criteria`, ascending. */
export async function search(session: Session, criteria: SearchKey): Promise<number[]> {
  const view = session.view;
  const evaluator = new Evaluator(session, criteria);
  const matches: number[] = [];
  for (let start = 0; start < view.entries.length; start += BATCH) {
    let pending: MessageData[] = [];
    for (let index = start; index < Math.min(view.entries.length, start + BATCH); index++) {
      const data: MessageData = { index, entry: view.entries[index]! };
      const truth = evaluator.evaluate(criteria, data);
      if (truth === TRUE) matches.push(index);
      else if (truth === UNKNOWN) pending.push(data);
    }
    for (const stage of ['summary', 'headers', 'body'] as Stage[]) {
      if (pending.length === 0) break;
      await load(session, pending, stage);
      const still: MessageData[] = [];
      for (const data of pending) {
        const truth = evaluator.evaluate(criteria, data);
        if (truth === TRUE) matches.push(data.index);
        else if (truth === UNKNOWN && data.summary) still.push(data);
      }
      pending = still;
    }
  }
  return matches.sort((a, b) => a - b);
}

/** True when the program has a MODSEQ key (the answer then carries the highest MODSEQ). */
export function hasModSeqKey(key: SearchKey): boolean {
  switch (key.type) {
    case 'modseq':
      return true;
    case 'and':
      return key.keys.some(hasModSeqKey);
    case 'or':
      return hasModSeqKey(key.left) || hasModSeqKey(key.right);
    case 'not':
      return hasModSeqKey(key.key);
    default:
      return false;
  }
}

async function load(session: Session, messages: MessageData[], stage: Stage): Promise<void> {
  // Records are read only for what the session has not decrypted before.
  const missing = messages.filter((data) => !data.record && !(stage === 'summary' && session.cachedSummary(data.entry.uid)));
  if (missing.length > 0) {
    const records = await session.records(missing.map((data) => data.index));
    for (const [i, data] of missing.entries()) data.record = records[i];
  }
  if (stage === 'summary') {
    for (const data of messages) {
      data.summary = session.cachedSummary(data.entry.uid) ?? (data.record ? await session.summaryOf(data.record) : undefined);
    }
    return;
  }
  const { accountId, keys } = session.account;
  const folderId = session.view.folderId;
  for (const data of messages) {
    if (!data.record || !data.summary) continue;
    if (stage === 'headers') {
      const header = await session.core.messages.readBodyRange(keys, accountId, folderId, data.record, 0, data.summary.headersEnd);
      data.headers = parseHeaders(header);
      continue;
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of session.core.messages.readBody(keys, accountId, folderId, data.record)) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    data.body = fold(
      extractText(raw, data.summary)
        .map((part) => part.text)
        .join('\n'),
    );
  }
}

class Evaluator {
  readonly #session: Session;
  readonly #sets = new Map<SequenceSet, (n: number) => boolean>();

  constructor(session: Session, criteria: SearchKey) {
    this.#session = session;
    this.#prepare(criteria);
  }

  evaluate(key: SearchKey, data: MessageData): Truth {
    const entry = data.entry;
    switch (key.type) {
      case 'all':
        return TRUE;
      case 'and': {
        let result: Truth = TRUE;
        for (const part of key.keys) {
          const truth = this.evaluate(part, data);
          if (truth === FALSE) return FALSE;
          if (truth === UNKNOWN) result = UNKNOWN;
        }
        return result;
      }
      case 'or': {
        const left = this.evaluate(key.left, data);
        if (left === TRUE) return TRUE;
        const right = this.evaluate(key.right, data);
        if (right === TRUE) return TRUE;
        return left === UNKNOWN || right === UNKNOWN ? UNKNOWN : FALSE;
      }
      case 'not': {
        const truth = this.evaluate(key.key, data);
        return truth === UNKNOWN ? UNKNOWN : truth === TRUE ? FALSE : TRUE;
      }
      case 'flag':
        return truthOf(entry.flags.includes(key.flag) === key.set);
      case 'keyword': {
        const lower = key.keyword.toLowerCase();
        return truthOf(entry.flags.some((flag) => flag.toLowerCase() === lower) === key.set);
      }
      case 'recent':
        return truthOf(entry.recent === key.set);
      case 'new':
        return truthOf(entry.recent && !entry.flags.includes('\\Seen'));
      case 'size':
        return truthOf(key.relation === 'larger' ? entry.size > key.size : entry.size < key.size);
      case 'modseq':
        return truthOf(BigInt(entry.modSeq) >= key.modSeq);
      case 'sequence':
        return truthOf(this.#sets.get(key.set)!(data.index + 1));
      case 'uid':
        return truthOf(this.#sets.get(key.set)!(entry.uid));
      case 'date':
        if (key.field === 'internal') return truthOf(compareDay(utcDay(entry.internalDate), key.date, key.relation));
        if (!data.summary) return UNKNOWN;
        return truthOf(sentDay(data.summary) !== null && compareDay(sentDay(data.summary)!, key.date, key.relation));
      case 'header':
        return this.#header(key.field.toLowerCase(), fold(key.value), data);
      case 'body':
        return data.body === undefined ? UNKNOWN : truthOf(data.body.includes(fold(key.value)));
      case 'text': {
        if (data.body === undefined || data.headers === undefined) return UNKNOWN;
        const value = fold(key.value);
        if (data.body.includes(value)) return TRUE;
        for (const values of data.headers.values()) if (values.some((text) => text.includes(value))) return TRUE;
        return FALSE;
      }
    }
  }

  #header(field: string, value: string, data: MessageData): Truth {
    const summary = data.summary;
    if (!summary) return UNKNOWN;
    const envelope = summary.envelope;
    let known: string | null | undefined;
    switch (field) {
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc': {
        const entries = envelope[field];
        if (entries.length === 0) return FALSE;
        known = addressText(entries);
        break;
      }
      case 'subject':
        known = envelope.subject === null ? null : (envelope.decodedSubject ?? decodeEncodedWords(envelope.subject));
        break;
      case 'message-id':
        known = envelope.messageId;
        break;
      case 'in-reply-to':
        known = envelope.inReplyTo;
        break;
      default:
        if (!data.headers) return UNKNOWN;
        return truthOf((data.headers.get(field) ?? []).some((text) => text.includes(value)));
    }
    if (known === null || known === undefined) return FALSE;
    return truthOf(fold(known).includes(value));
  }

  /** Sequence sets become membership tests once per search, not per message. */
  #prepare(key: SearchKey): void {
    switch (key.type) {
      case 'and':
        for (const part of key.keys) this.#prepare(part);
        break;
      case 'or':
        this.#prepare(key.left);
        this.#prepare(key.right);
        break;
      case 'not':
        this.#prepare(key.key);
        break;
      case 'sequence':
      case 'uid':
        this.#sets.set(key.set, this.#membership(key.set, key.type === 'uid'));
        break;
      default:
        break;
    }
  }

  #membership(set: SequenceSet, byUid: boolean): (n: number) => boolean {
    const view = this.#session.view;
    if (set.kind === 'saved') {
      const saved = new Set(this.#session.savedSearch);
      return byUid ? (uid) => saved.has(uid) : (seq) => saved.has(view.entries[seq - 1]?.uid ?? 0);
    }
    if (!byUid) {
      // Validates the numbers against the mailbox (a number beyond it is a BAD).
      resolveSequenceNumbers(set.ranges, view.exists);
    }
    const ranges = normaliseRanges(set.ranges, byUid ? view.lastUid : view.exists);
    return (n) => ranges.some(([low, high]) => n >= low && n <= high);
  }
}

function truthOf(value: boolean): Truth {
  return value ? TRUE : FALSE;
}

/** Case-insensitive comparison form. */
function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function addressText(entries: readonly AddressEntry[]): string {
  return entries
    .map((entry) => {
      if ('groupEnd' in entry) return ';';
      if ('group' in entry) return `${entry.decodedGroup ?? entry.group}:`;
      const name = entry.decodedName ?? entry.name ?? '';
      return `${name} <${entry.mailbox}@${entry.host}>`;
    })
    .join(', ');
}

function parseHeaders(bytes: Uint8Array): Map<string, string[]> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const fields = new Map<string, string[]>();
  // Split at line starts that are not continuations; decode each field's bytes afterwards.
  for (const raw of text.split(/\r?\n(?![ \t])/)) {
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    const name = raw.slice(0, colon).trim().toLowerCase();
    const value = fold(decodeEncodedWords(unfoldHeaderValue(headerBytesToText(Buffer.from(raw.slice(colon + 1), 'latin1'))).trim()));
    const list = fields.get(name) ?? [];
    list.push(value);
    fields.set(name, list);
  }
  return fields;
}

interface Day {
  year: number;
  month: number;
  day: number;
}

function utcDay(timestamp: number): Day {
  const date = new Date(timestamp);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The calendar day written in the Date header, its time and zone disregarded (RFC 3501). */
function sentDay(summary: MessageSummary): Day | null {
  const written = /(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2,4})/i.exec(summary.envelope.date ?? '');
  if (written) {
    const month = MONTHS.indexOf(written[2]!.toLowerCase()) + 1;
    let year = Number(written[3]);
    if (year < 100) year += year < 50 ? 2000 : 1900;
    if (month > 0) return { year, month, day: Number(written[1]) };
  }
  const parsed = summary.sortKeys.sentDate ?? parseMailDate(summary.envelope.date);
  return parsed === null ? null : utcDay(parsed);
}

function compareDay(day: Day, date: ImapDate, relation: 'before' | 'on' | 'since'): boolean {
  const a = day.year * 10_000 + day.month * 100 + day.day;
  const b = date.year * 10_000 + date.month * 100 + date.day;
  return relation === 'before' ? a < b : relation === 'on' ? a === b : a >= b;
}
