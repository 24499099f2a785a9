// Types for the part of libmime this module uses: its charset layer (iconv-lite plus
// encoding-japanese behind WHATWG-style alias normalisation). libmime ships no types and
// does not export this file through its main entry, so it is imported by path.
declare module 'libmime/lib/charset.js' {
  const charset: {
    /** Decodes bytes in the given charset; falls back to UTF-8 for charsets it does not know. */
    decode(buf: Buffer, fromCharset?: string): string;
    /** Canonical charset name for an alias ("latin1" → "windows-1252", "utf8" → "UTF-8"). */
    normalizeCharset(charset: string): string;
  };
  export default charset;
}
