// Proof of work for signups, instead of a captcha or an IP check: the server hands out a
// random challenge; the browser solves the puzzle (shared/proof-of-work.ts) and sends the
// nonce with the signup. Challenges live in memory, are single-use and expire, so a
// solution cannot be replayed. The difficulty adapts: past `signupsPerHour` solved signups
// in the last hour, each doubling of the rate adds a bit (twice the work), up to six more,
// so a wave of mass signups gets slower and slower while a quiet hour costs a person only
// the base (issue 12, item 14).
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
const HOUR_MS = 3_600_000;
const MAX_EXTRA_BITS = 6;

export interface ProofOfWorkChallenge {
  challenge: string;
  bits: number;
  expiresAt: number;
}

export interface ProofOfWorkSettings {
  clock: Clock;
  /** Leading zero bits in a quiet hour. */
  bits: number;
  /** Solved signups in an hour before the difficulty rises. */
  signupsPerHour: number;
}

export class ProofOfWork {
  readonly #outstanding = new Map<string, { bits: number; expiresAt: number }>();
  readonly #settings: ProofOfWorkSettings;
  readonly #clock: Clock;
  /** When each signup of the last hour solved its challenge, oldest first. */
  #solved: number[] = [];

  constructor(settings: ProofOfWorkSettings) {
    this.#settings = settings;
    this.#clock = settings.clock;
  }

  /** The difficulty a challenge issued now gets. */
  get bits(): number {
    const now = this.#clock.now();
    const firstRecent = this.#solved.findIndex((time) => now - time < HOUR_MS);
    this.#solved = firstRecent < 0 ? [] : this.#solved.slice(firstRecent);
    const rate = this.#solved.length / this.#settings.signupsPerHour;
    const extra = rate < 1 ? 0 : Math.min(MAX_EXTRA_BITS, Math.floor(Math.log2(rate)) + 1);
    return Math.min(32, this.#settings.bits + extra);
  }

  issue(): ProofOfWorkChallenge {
    const now = this.#clock.now();
    for (const [challenge, entry] of this.#outstanding) {
      if (entry.expiresAt > now && this.#outstanding.size < MAX_OUTSTANDING) break;
      this.#outstanding.delete(challenge);
    }
    const challenge = randomBytes(CHALLENGE_BYTES).toString('base64url');
    const entry = { bits: this.bits, expiresAt: now + CHALLENGE_TTL_MS };
    this.#outstanding.set(challenge, entry);
    return { challenge, ...entry };
  }

  /** Consumes the challenge whether or not the nonce solves it: one attempt each. */
  redeem(challenge: string, nonce: string): boolean {
    const entry = this.#outstanding.get(challenge);
    if (!entry) return false;
    this.#outstanding.delete(challenge);
    const now = this.#clock.now();
    if (entry.expiresAt <= now || nonce.length > MAX_NONCE_LENGTH || !solvesProofOfWork(challenge, nonce, entry.bits)) return false;
    this.#solved.push(now);
    return true;
  }
}
