// Frames the POP3 input stream into lines (RFC 1939: every command ends with CRLF; a bare
// LF is accepted too, as Dovecot does, because some clients send one). Pure: bytes in,
// events out, no I/O, so it is tested one byte at a time and in one chunk.
//
// SECURITY: the input is untrusted. Memory is bounded by maxLineLength: a longer line is
// reported once as 'too-long' and its bytes are dropped up to the next LF.

export type LineEvent = { kind: 'line'; line: Uint8Array } | { kind: 'too-long' };

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  readonly #maxLineLength: number;
  #pending: Uint8Array[] = [];
  #pendingLength = 0;
  /** Inside an overlong line that was already reported. */
  #discarding = false;

  /** maxLineLength counts the octets of a line including its CRLF. */
  constructor(maxLineLength: number) {
    this.#maxLineLength = maxLineLength;
  }

  push(chunk: Uint8Array): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf < 0 ? chunk.length : lf + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      if (this.#discarding) {
        if (lf >= 0) this.#discarding = false;
        continue;
      }
      if (this.#pendingLength + piece.length > this.#maxLineLength) {
        events.push({ kind: 'too-long' });
        this.#dropPending();
        this.#discarding = lf < 0;
        continue;
      }
      if (lf < 0) {
        // Copied: the caller may reuse its buffer, and a view would pin the whole chunk.
        this.#pending.push(piece.slice());
        this.#pendingLength += piece.length;
        continue;
      }
      events.push({ kind: 'line', line: withoutLineEnd(this.#takePending(piece)) });
    }
    return events;
  }

  /** Forgets everything buffered: after STLS, plaintext sent ahead of the handshake must
   * not be run as commands inside the TLS session (RFC 2595 section 4, CVE-2011-0411). */
  reset(): void {
    this.#dropPending();
    this.#discarding = false;
  }

  #takePending(last: Uint8Array): Uint8Array {
    if (this.#pending.length === 0) return last;
    const line = new Uint8Array(this.#pendingLength + last.length);
    let offset = 0;
    for (const part of this.#pending) {
      line.set(part, offset);
      offset += part.length;
    }
    line.set(last, offset);
    this.#dropPending();
    return line;
  }

  #dropPending(): void {
    this.#pending = [];
    this.#pendingLength = 0;
  }
}

function withoutLineEnd(line: Uint8Array): Uint8Array {
  const end = line.length >= 2 && line[line.length - 2] === CR ? line.length - 2 : line.length - 1;
  return line.subarray(0, end);
}
