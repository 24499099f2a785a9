// Strict base64 (RFC 4648 section 4, with padding) for SASL exchanges: AUTHENTICATE
// initial responses (SASL-IR) and continuation lines. Written here rather than using
// Buffer so the wire layer stays free of Node APIs; strictness (no whitespace, exact
// padding, zero pad bits) follows RFC 4954/9051, which forbid anything else.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int8Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;

/** Decodes base64 bytes; undefined when the input is not canonical base64. */
export function decodeBase64(input: Uint8Array): Uint8Array | undefined {
  const n = input.length;
  if (n % 4 !== 0) return undefined;
  let padding = 0;
  if (n > 0 && input[n - 1] === PAD) padding = input[n - 2] === PAD ? 2 : 1;
  const out = new Uint8Array((n / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    const a = DECODE[input[i]!]!;
    const b = DECODE[input[i + 1]!]!;
    const c = last && padding === 2 ? 0 : DECODE[input[i + 2]!]!;
    const d = last && padding >= 1 ? 0 : DECODE[input[i + 3]!]!;
    if ((a | b | c | d) < 0) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
    if (last && padding === 2 && (b & 0x0f) !== 0) return undefined;
    if (last && padding === 1 && (c & 0x03) !== 0) return undefined;
  }
  return out;
}

export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i]! << 16;
    out += `${ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]!}=`;
  }
  return out;
}
