// FETCH data of one message: ENVELOPE and BODYSTRUCTURE from the decrypted metadata record
// (no body is decrypted for them), BODY[section]<partial> and BINARY[part] from only the
// encrypted chunks that hold the bytes asked for. Large ranges are streamed to the client
// slice by slice instead of being held whole.
import type { MessageRecord } from '../core/records.ts';
import { decodeTransferEncoding } from '../../mime/decode.ts';
import { sectionRange, selectHeaderFields, toBodyStructure, toEnvelope, type SectionText } from '../../mime/imap-format.ts';
import { findPart, isMultipart } from '../../mime/part-numbering.ts';
import type { MessageSummary } from '../../mime/structure.ts';
import type { BodyData, BodySection, NestedValue } from './proto/index.ts';
import type { Session } from './session.ts';

/** Ranges up to this size are decrypted into memory; larger ones are streamed. */
const STREAM_THRESHOLD = 256 * 1024;
/** Plaintext decrypted per step of a streamed range: 16 secretstream chunks of 64 KiB. */
const STREAM_SLICE = 1024 * 1024;

/** Transfer encodings BINARY can undo (RFC 3516); others get NO [UNKNOWN-CTE]. */
const DECODABLE = new Set(['', '7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

export class UnknownTransferEncoding extends Error {
  constructor() {
    super('unknown content transfer encoding');
    this.name = 'UnknownTransferEncoding';
  }
}

/** A partial fetch's window (BODY[...]<offset.length>). */
export interface ByteWindow {
  offset: number;
  length: number;
}

export class MessageContent {
  readonly #session: Session;
  readonly record: MessageRecord;
  #summary: MessageSummary | undefined;

  constructor(session: Session, record: MessageRecord) {
    this.#session = session;
    this.record = record;
  }

  async summary(): Promise<MessageSummary> {
    this.#summary ??= await this.#session.summaryOf(this.record);
    return this.#summary;
  }

  async envelope(): Promise<NestedValue> {
    return toEnvelope(await this.summary());
  }

  async bodyStructure(extensible: boolean): Promise<NestedValue> {
    return toBodyStructure(await this.summary(), { extensible });
  }

  /** BODY[section]<partial>; a section that does not exist is the empty string. */
  async section(section: BodySection, partial: ByteWindow | undefined): Promise<BodyData> {
    if (section.part.length === 0 && section.text === undefined) return this.range(0, this.record.size, partial);
    const text: SectionText = section.text ?? '';
    const range = sectionRange(await this.summary(), section.part, text);
    if (range === null) return new Uint8Array(0);
    if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
      const header = await this.#read(range.start, range.end);
      return cut(selectHeaderFields(header, section.fields, text === 'HEADER.FIELDS.NOT'), partial);
    }
    return this.range(range.start, range.end, partial);
  }

  /** BINARY[part]<partial>: the part's content with its transfer encoding undone. */
  async binary(part: readonly number[], partial: ByteWindow | undefined): Promise<BodyData> {
    if (part.length === 0) return this.range(0, this.record.size, partial);
    return cut(await this.#decodedPart(part), partial);
  }

  async binarySize(part: readonly number[]): Promise<number> {
    if (part.length === 0) return this.record.size;
    return (await this.#decodedPart(part)).length;
  }

  /** Bytes [start, end) of the message, cut by a partial range. */
  async range(start: number, end: number, partial: ByteWindow | undefined): Promise<BodyData> {
    if (partial) {
      start = Math.min(end, start + partial.offset);
      end = Math.min(end, start + partial.length);
    }
    if (end - start <= STREAM_THRESHOLD) return this.#read(start, end);
    return { size: end - start, stream: this.#stream(start, end) };
  }

  async #decodedPart(path: readonly number[]): Promise<Uint8Array> {
    const summary = await this.summary();
    const part = findPart(summary.structure, path);
    const range = sectionRange(summary, path, '');
    if (!part || !range) return new Uint8Array(0);
    const body = await this.#read(range.start, range.end);
    if (isMultipart(part) || part.message) return body;
    const encoding = (part.encoding ?? '').toLowerCase();
    if (!DECODABLE.has(encoding)) throw new UnknownTransferEncoding();
    return decodeTransferEncoding(body, encoding);
  }

  #read(start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return Promise.resolve(new Uint8Array(0));
    const { accountId, keys } = this.#session.account;
    return this.#session.core.messages.readBodyRange(keys, accountId, this.#session.view.folderId, this.record, start, end);
  }

  async *#stream(start: number, end: number): AsyncIterable<Uint8Array> {
    for (let offset = start; offset < end; offset += STREAM_SLICE) {
      yield await this.#read(offset, Math.min(end, offset + STREAM_SLICE));
    }
  }
}

function cut(bytes: Uint8Array, partial: ByteWindow | undefined): Uint8Array {
  if (!partial) return bytes;
  return bytes.subarray(Math.min(bytes.length, partial.offset), Math.min(bytes.length, partial.offset + partial.length));
}
