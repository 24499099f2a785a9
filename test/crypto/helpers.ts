// Shared by the crypto tests and scripts/gen-crypto-vectors.ts: both backends, hex, and
// deterministic inputs.

import assert from 'node:assert/strict';
import { CryptoError } from '../../crypto/api.ts';
import type { CryptoErrorCode, SealpostCrypto } from '../../crypto/api.ts';
import type { SodiumPrimitives } from '../../crypto/primitives.ts';
import { loadNativePrimitives } from '../../crypto/backends/native.ts';
import { loadWasmPrimitives } from '../../crypto/backends/wasm.ts';
import { createSealpostCrypto } from '../../crypto/sealpost.ts';

export interface Backend {
  name: string;
  primitives: SodiumPrimitives;
  crypto: SealpostCrypto;
}

export async function loadBackends(): Promise<[Backend, Backend]> {
  const [native, wasm] = await Promise.all([loadNativePrimitives(), loadWasmPrimitives()]);
  return [
    { name: 'sodium-native', primitives: native, crypto: createSealpostCrypto(native) },
    { name: 'wasm', primitives: wasm, crypto: createSealpostCrypto(wasm) },
  ];
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Deterministic body plaintext: byte i = (i·31 + seed) mod 251 (a prime, so the pattern
 * does not line up with chunk boundaries). */
export function patternBytes(size: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) % 251;
  return bytes;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function encryptBody(crypto: SealpostCrypto, contentKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const encryptor = crypto.createBodyEncryptor(contentKey);
  return concat([encryptor.push(plaintext), encryptor.final()]);
}

export function decryptBody(crypto: SealpostCrypto, contentKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const decryptor = crypto.createBodyDecryptor(contentKey);
  return concat([decryptor.push(ciphertext), decryptor.final()]);
}

export function readerOf(ciphertext: Uint8Array): (offset: number, length: number) => Promise<Uint8Array> {
  return async (offset, length) => ciphertext.slice(offset, offset + length);
}

function checkCryptoError(error: unknown, code: CryptoErrorCode, message?: string): true {
  assert.ok(error instanceof CryptoError, `expected a CryptoError, got ${String(error)}`);
  assert.equal(error.code, code, `${message ?? 'error code'}: ${error.message}`);
  return true;
}

export function assertCryptoError(run: () => unknown, code: CryptoErrorCode, message?: string): void {
  assert.throws(run, (error: unknown) => checkCryptoError(error, code, message));
}

export async function assertRejectsCryptoError(run: () => Promise<unknown>, code: CryptoErrorCode, message?: string): Promise<void> {
  await assert.rejects(run, (error: unknown) => checkCryptoError(error, code, message));
}

/** A small deterministic pseudo-random generator for piece sizes (xorshift32). */
export function seededRandom(seed: number): (below: number) => number {
  let state = seed >>> 0 || 1;
  return (below) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % below;
  };
}
