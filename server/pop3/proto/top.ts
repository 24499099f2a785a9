// What TOP sends (RFC 1939 section 7): the header block, the blank line that ends it, and
// the first n lines of the body (all of it if shorter). It consumes the message stream only
// as far as it needs, so a TOP of a large message decrypts only its first chunks.

const LF = 0x0a;

/** headersEnd: the offset where the body starts (blank line included in the header). */
export async function* topOfMessage(message: AsyncIterable<Uint8Array>, headersEnd: number, bodyLines: number): AsyncIterable<Uint8Array> {
  let position = 0;
  let linesLeft = bodyLines;
  for await (const chunk of message) {
    let end = chunk.length;
    const bodyStart = Math.max(0, headersEnd - position);
    if (bodyStart < chunk.length) {
      let cursor = bodyStart;
      while (linesLeft > 0) {
        const lf = chunk.indexOf(LF, cursor);
        if (lf < 0) break;
        linesLeft -= 1;
        cursor = lf + 1;
      }
      if (linesLeft === 0) end = cursor;
    }
    position += chunk.length;
    if (end > 0) yield end === chunk.length ? chunk : chunk.subarray(0, end);
    if (linesLeft === 0 && position >= headersEnd) return;
  }
}
