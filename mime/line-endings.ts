// Messages are stored with CRLF line endings, as RFC 5322 defines them and IMAP serves them,
// so that sizes, MIME offsets and FETCH output all count the same bytes. Bare LF (common in
// APPEND from Unix tools and in sloppy mail) becomes CRLF while the message streams in.

const LF = 0x0a;
const CR = 0x0d;

export async function* normalizeLineEndings(input: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let previousWasCr = false;
  for await (const chunk of input) {
    let bareLineFeeds = 0;
    for (let index = 0; index < chunk.length; index++) {
      if (chunk[index] === LF && (index === 0 ? !previousWasCr : chunk[index - 1] !== CR)) bareLineFeeds += 1;
    }
    if (chunk.length > 0) {
      const wasCr = previousWasCr;
      previousWasCr = chunk[chunk.length - 1] === CR;
      if (bareLineFeeds === 0) {
        yield chunk;
        continue;
      }
      const output = new Uint8Array(chunk.length + bareLineFeeds);
      let written = 0;
      for (let index = 0; index < chunk.length; index++) {
        const byte = chunk[index]!;
        if (byte === LF && (index === 0 ? !wasCr : chunk[index - 1] !== CR)) output[written++] = CR;
        output[written++] = byte;
      }
      yield output;
    }
  }
}
