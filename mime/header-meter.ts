// Measures a message's header section as it streams in, before anything parses it: bytes up
// to the empty line that ends it, and the fields in it (a line that does not start with
// white space starts a field). Parsers and sender checks build objects per field, so a
// message of a million one-line fields costs far more than its size suggests; the MX and
// submission refuse such a message (552 5.3.4) on what this counts, before it is parsed.
// One pass over the header's bytes, whatever the chunking; the body is never scanned.

export interface HeaderLimits {
  maxBytes: number;
  maxFields: number;
}

/** What a legitimate message needs with room to spare: 100 recipients in To and a long
 * References chain fit in a few dozen KiB and fields; mailing-list traffic carries a few
 * dozen fields. Postfix's header_size_limit is 100 KiB, Exim's 1 MiB. */
export const DEFAULT_HEADER_LIMITS: HeaderLimits = { maxBytes: 1024 * 1024, maxFields: 2000 };

export type HeaderVerdict = 'reading' | 'complete' | 'too large';

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

export class HeaderMeter {
  readonly #limits: HeaderLimits;
  #bytes = 0;
  #fields = 0;
  #atLineStart = true;
  /** A CR seen at the start of a line: an LF next ends the header section. */
  #carriageReturnAtLineStart = false;
  #verdict: HeaderVerdict = 'reading';

  constructor(limits: HeaderLimits) {
    this.#limits = limits;
  }

  get verdict(): HeaderVerdict {
    return this.#verdict;
  }

  get fields(): number {
    return this.#fields;
  }

  /** Header bytes counted so far (the whole section once complete, its empty line included). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Counts the chunk's header bytes; once the verdict is not 'reading', chunks are ignored. */
  push(chunk: Uint8Array): HeaderVerdict {
    if (this.#verdict !== 'reading') return this.#verdict;
    const { maxBytes, maxFields } = this.#limits;
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index]!;
      if (++this.#bytes > maxBytes) return this.#finish('too large');
      if (this.#carriageReturnAtLineStart) {
        this.#carriageReturnAtLineStart = false;
        if (byte === LINE_FEED) return this.#finish('complete');
        // A line that starts with a bare CR is text, not a new field.
      } else if (this.#atLineStart) {
        this.#atLineStart = false;
        if (byte === LINE_FEED) return this.#finish('complete');
        if (byte === CARRIAGE_RETURN) {
          this.#carriageReturnAtLineStart = true;
          continue;
        }
        if (byte !== SPACE && byte !== TAB && ++this.#fields > maxFields) return this.#finish('too large');
      }
      if (byte === LINE_FEED) this.#atLineStart = true;
    }
    return this.#verdict;
  }

  #finish(verdict: HeaderVerdict): HeaderVerdict {
    this.#verdict = verdict;
    return verdict;
  }
}
