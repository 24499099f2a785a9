// Byte helpers and argument checks shared by the crypto modules. Argument checks throw
// CryptoError('INVALID_ARGUMENT'): they catch callers' mistakes, never attacker input.

import { CryptoError } from './api.ts';

const utf8Encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const output = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return output;
}

/** Throws unless value is a Uint8Array (of exactly `length` bytes when given). */
export function requireBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new CryptoError('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new CryptoError('INVALID_ARGUMENT', `${name} must be ${length} bytes, got ${value.length}`);
  }
}

export function requireNonNegativeInteger(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CryptoError('INVALID_ARGUMENT', `${name} must be a non-negative safe integer`);
  }
}
