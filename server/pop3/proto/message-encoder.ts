// Encodes a message as the body of a multi-line reply (RETR, TOP), streaming, chunk by
// chunk: every line ends with CRLF on the wire (a bare LF gets its CR, as Dovecot sends
// it), a line starting with "." gets a second "." (byte-stuffing, RFC 1939 section 3), an
// unterminated last line is terminated, and ".CRLF" ends the reply. Pure; the state carried
// between chunks is the last octet, so any split of the input gives the same output.

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CRLF = Uint8Array.of(CR, LF);
const STUFFED_DOT = Uint8Array.of(DOT);
const TERMINATOR = Uint8Array.of(DOT, CR, LF);

export class MessageEncoder {
  /** The next octet begins a line (true at the start of the message). */
  #atLineStart = true;
  #lastWasCr = false;

  push(chunk: Uint8Array): Uint8Array {
    if (chunk.length === 0) return chunk;
    const pieces: Uint8Array[] = [];
    let copied = 0;
    if (this.#atLineStart && chunk[0] === DOT) pieces.push(STUFFED_DOT);
    for (let lf = chunk.indexOf(LF); lf >= 0; lf = chunk.indexOf(LF, lf + 1)) {
      const precededByCr = lf > 0 ? chunk[lf - 1] === CR : this.#lastWasCr;
      if (!precededByCr) {
        pieces.push(chunk.subarray(copied, lf), CRLF);
        copied = lf + 1;
      }
      if (chunk[lf + 1] === DOT) {
        pieces.push(chunk.subarray(copied, lf + 1), STUFFED_DOT);
        copied = lf + 1;
      }
    }
    const last = chunk[chunk.length - 1];
    this.#atLineStart = last === LF;
    this.#lastWasCr = last === CR;
    if (pieces.length === 0) return chunk;
    pieces.push(chunk.subarray(copied));
    return Buffer.concat(pieces);
  }

  /** The end of the reply: a CRLF if the message did not end with a line end, then ".CRLF". */
  end(): Uint8Array {
    return this.#atLineStart ? TERMINATOR : Buffer.concat([CRLF, TERMINATOR]);
  }
}
