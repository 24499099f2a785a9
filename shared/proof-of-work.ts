// The signup puzzle, the same in the browser (which solves it) and on the server (which
// checks it): a nonce solves a challenge when SHA-256(challenge ":" nonce) begins with
// `bits` zero bits, 2^bits hashes on average. The hash is @noble/hashes' synchronous one,
// started once over the challenge and cloned per nonce: about six times what Web Crypto's
// asynchronous digest managed (290,000 against 50,000 a second on the CI machine), so a
// person's browser pays seconds where an attacker's native code pays little more, and the
// difficulty can be higher for the same wait. Run it in a worker: it holds the thread.
import { sha256 } from '@noble/hashes/sha2';

/** Nonces tried between yields to the event loop, so a worker stays responsive. */
const SOLVE_SLICE = 20_000;

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

function digestWith(prefix: ReturnType<typeof sha256.create>, nonce: string): Uint8Array {
  return prefix.clone().update(encoder.encode(nonce)).digest();
}

const prefixOf = (challenge: string) => sha256.create().update(encoder.encode(`${challenge}:`));

export function solvesProofOfWork(challenge: string, nonce: string, bits: number): boolean {
  return leadingZeroBits(digestWith(prefixOf(challenge), nonce)) >= bits;
}

/** The first decimal nonce that solves the challenge. */
export async function solveProofOfWork(challenge: string, bits: number): Promise<string> {
  const prefix = prefixOf(challenge);
  for (let base = 0; ; base += SOLVE_SLICE) {
    for (let nonce = base; nonce < base + SOLVE_SLICE; nonce++) {
      if (leadingZeroBits(digestWith(prefix, String(nonce))) >= bits) return String(nonce);
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
