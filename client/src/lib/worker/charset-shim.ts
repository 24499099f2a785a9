// The browser's stand-in for libmime's charset module, which mime/ uses to decode
// header and body charsets: the WHATWG TextDecoder knows the charsets real mail uses, so
// the worker need not ship iconv-lite's tables. Same contract: normalizeCharset returns a
// canonical label, decode throws on a label it cannot decode (mime/ then falls back).
const charsetCodec = {
  normalizeCharset(label: string): string {
    try {
      return new TextDecoder(label).encoding.toUpperCase();
    } catch {
      return label;
    }
  },
  decode(bytes: Uint8Array, charset: string): string {
    return new TextDecoder(charset).decode(bytes);
  },
};

export default charsetCodec;
