// Solves the signup challenge of server/web/proof-of-work.ts: the first nonce for which
// SHA-256(challenge ":" nonce) starts with `bits` zero bits. Web Crypto's digest is
// asynchronous, so hashes are requested in batches to keep its thread busy.

/** Digests in flight at once: enough to hide the per-call round trip. */
const BATCH = 512;

export function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export async function solveProofOfWork(challenge: string, bits: number): Promise<string> {
  const encoder = new TextEncoder();
  for (let base = 0; ; base += BATCH) {
    const digests = await Promise.all(
      Array.from({ length: BATCH }, (_, offset) => crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${base + offset}`))),
    );
    const found = digests.findIndex((digest) => leadingZeroBits(new Uint8Array(digest)) >= bits);
    if (found >= 0) return String(base + found);
  }
}
