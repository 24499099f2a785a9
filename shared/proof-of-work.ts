// The signup puzzle, the same in the browser (which solves it) and on the server (which
// checks it): a nonce solves a challenge when SHA-256(challenge ":" nonce) begins with
// `bits` zero bits, 2^bits hashes on average. Web Crypto's digest (global in browsers and
// Node alike) is asynchronous, so the solver requests hashes in batches to keep it busy.

/** Digests in flight at once while solving: enough to hide the per-call round trip. */
const SOLVE_BATCH = 512;

const encoder = new TextEncoder();

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

async function puzzleDigest(challenge: string, nonce: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${nonce}`)));
}

export async function solvesProofOfWork(challenge: string, nonce: string, bits: number): Promise<boolean> {
  return leadingZeroBits(await puzzleDigest(challenge, nonce)) >= bits;
}

/** The first decimal nonce that solves the challenge. */
export async function solveProofOfWork(challenge: string, bits: number): Promise<string> {
  for (let base = 0; ; base += SOLVE_BATCH) {
    const digests = await Promise.all(Array.from({ length: SOLVE_BATCH }, (_, offset) => puzzleDigest(challenge, String(base + offset))));
    const found = digests.findIndex((digest) => leadingZeroBits(digest) >= bits);
    if (found >= 0) return String(base + found);
  }
}
