// Proof of work for signups, instead of a captcha or an IP check: the server hands out a
// random challenge; the browser solves the puzzle (shared/proof-of-work.ts) and sends the
// nonce with the signup. Challenges live in memory, are single-use and expire, so a
// solution cannot be replayed.
import { randomBytes } from 'node:crypto';
import { solvesProofOfWork } from '../../shared/proof-of-work.ts';
import type { Clock } from '../core/context.ts';

/** Long enough to solve on a slow phone, short enough that a stockpile goes stale. */
const CHALLENGE_TTL_MS = 10 * 60_000;
/** 128 random bits: challenges never repeat. */
const CHALLENGE_BYTES = 16;
/** Outstanding challenges kept at most; the oldest are dropped first. */
const MAX_OUTSTANDING = 50_000;
/** Nonces are decimal counters; this bounds the request field. */
const MAX_NONCE_LENGTH = 32;

export interface ProofOfWorkChallenge {
  challenge: string;
  bits: number;
  expiresAt: number;
}

export class ProofOfWork {
  readonly #outstanding = new Map<string, { bits: number; expiresAt: number }>();
  readonly #clock: Clock;
  readonly #bits: number;

  constructor(options: { clock: Clock; bits: number }) {
    this.#clock = options.clock;
    this.#bits = options.bits;
  }

  issue(): ProofOfWorkChallenge {
    const now = this.#clock.now();
    for (const [challenge, entry] of this.#outstanding) {
      if (entry.expiresAt > now && this.#outstanding.size < MAX_OUTSTANDING) break;
      this.#outstanding.delete(challenge);
    }
    const challenge = randomBytes(CHALLENGE_BYTES).toString('base64url');
    const entry = { bits: this.#bits, expiresAt: now + CHALLENGE_TTL_MS };
    this.#outstanding.set(challenge, entry);
    return { challenge, ...entry };
  }

  /** Consumes the challenge whether or not the nonce solves it: one attempt each (the
   * challenge is gone before the first await, so concurrent tries cannot both use it). */
  async redeem(challenge: string, nonce: string): Promise<boolean> {
    const entry = this.#outstanding.get(challenge);
    if (!entry) return false;
    this.#outstanding.delete(challenge);
    if (entry.expiresAt <= this.#clock.now() || nonce.length > MAX_NONCE_LENGTH) return false;
    return solvesProofOfWork(challenge, nonce, entry.bits);
  }
}
