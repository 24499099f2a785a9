// Key derivation: the subkey function, the account password (Argon2id), the secrets every
// root yields (authKey, kek, verifier), and the fake salt for unknown addresses.

import type { DerivedSecret, PasswordKdfParams } from './api.ts';
import { CryptoError } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { KEY_BYTES, PWHASH_SALT_BYTES } from './primitives.ts';
import { requireBytes, utf8 } from './bytes.ts';
import { LABELS } from './format.ts';

/**
 * Argon2id cost for new accounts: 3 passes over 64 MiB. libsodium's MODERATE (256 MiB) is
 * too slow for phones deriving in a browser; INTERACTIVE is 2 passes over 64 MiB; we take
 * one more pass, since login is rare and the web client derives once per session.
 */
export const DEFAULT_PASSWORD_KDF_PARAMS: Readonly<PasswordKdfParams> = Object.freeze({
  algorithm: 'argon2id13',
  opsLimit: 3,
  memLimitBytes: 64 * 1024 * 1024,
});

// Bounds on stored parameters, so bad values fail clearly instead of inside libsodium.
const MIN_OPS_LIMIT = 1; // crypto_pwhash_OPSLIMIT_MIN for Argon2id
const MAX_OPS_LIMIT = 0xffff_ffff; // Argon2 stores passes in 32 bits
const MIN_MEM_LIMIT_BYTES = 8 * 1024; // crypto_pwhash_MEMLIMIT_MIN
// A wasm32 heap ends at 4 GiB and must also hold the program: a larger cost could never
// be derived by the web client, locking the account out of it.
const MAX_MEM_LIMIT_BYTES = 2 * 1024 * 1024 * 1024;
// Argon2 counts memory in KiB; whole KiB keep libsodium and the `argon2` package (which
// takes KiB) byte-identical.
const MEM_LIMIT_UNIT_BYTES = 1024;

/** subkey(label, key) = BLAKE2b-256 keyed by `key` over the label: a PRF, so each label
 * yields an independent key and no subkey reveals its parent. */
export function subkey(p: SodiumPrimitives, label: string, key: Uint8Array): Uint8Array {
  requireBytes(key, 'key', KEY_BYTES);
  return p.generichash(KEY_BYTES, utf8(label), key);
}

/** The verifier the server stores for an authKey. */
export function verifierOf(p: SodiumPrimitives, authKey: Uint8Array): Uint8Array {
  return subkey(p, LABELS.verifier, authKey);
}

/** authKey, kek and verifier from a password or app-secret root; wipes nothing. */
export function secretsFromRoot(p: SodiumPrimitives, root: Uint8Array): DerivedSecret {
  const authKey = subkey(p, LABELS.authKey, root);
  return { authKey, kek: subkey(p, LABELS.kek, root), verifier: verifierOf(p, authKey) };
}

export function checkPasswordKdfParams(params: PasswordKdfParams): void {
  if (typeof params !== 'object' || params === null) {
    throw new CryptoError('INVALID_ARGUMENT', 'password KDF params must be an object');
  }
  const { algorithm, opsLimit, memLimitBytes } = params;
  if (algorithm !== 'argon2id13') {
    throw new CryptoError('INVALID_ARGUMENT', `unsupported password KDF algorithm ${String(algorithm)}`);
  }
  if (!Number.isInteger(opsLimit) || opsLimit < MIN_OPS_LIMIT || opsLimit > MAX_OPS_LIMIT) {
    throw new CryptoError('INVALID_ARGUMENT', `opsLimit must be an integer from ${MIN_OPS_LIMIT} to ${MAX_OPS_LIMIT}`);
  }
  if (
    !Number.isInteger(memLimitBytes) ||
    memLimitBytes < MIN_MEM_LIMIT_BYTES ||
    memLimitBytes > MAX_MEM_LIMIT_BYTES ||
    memLimitBytes % MEM_LIMIT_UNIT_BYTES !== 0
  ) {
    throw new CryptoError(
      'INVALID_ARGUMENT',
      `memLimitBytes must be a multiple of ${MEM_LIMIT_UNIT_BYTES} from ${MIN_MEM_LIMIT_BYTES} to ${MAX_MEM_LIMIT_BYTES}`,
    );
  }
}

export function newPasswordSalt(p: SodiumPrimitives): Uint8Array {
  return p.randomBytes(PWHASH_SALT_BYTES);
}

/** root = Argon2id(NFC(password), salt); the root is wiped once the three keys exist. */
export async function deriveFromPassword(p: SodiumPrimitives, password: string, salt: Uint8Array, params: PasswordKdfParams): Promise<DerivedSecret> {
  if (typeof password !== 'string') throw new CryptoError('INVALID_ARGUMENT', 'password must be a string');
  requireBytes(salt, 'salt', PWHASH_SALT_BYTES);
  checkPasswordKdfParams(params);
  // NFC: the same password typed on different systems may arrive composed or decomposed.
  const passwordBytes = utf8(password.normalize('NFC'));
  let root: Uint8Array | undefined;
  try {
    root = await p.pwhashArgon2id(KEY_BYTES, passwordBytes, salt, params.opsLimit, params.memLimitBytes);
    return secretsFromRoot(p, root);
  } finally {
    p.memzero(passwordBytes);
    if (root) p.memzero(root);
  }
}

/**
 * A tag the server makes over a message under its own secret, for what it must recognise
 * later without storing it (a device cookie, a payment code): keyed BLAKE2b-256, with the
 * purpose in the label so that a tag made for one use is never valid for another.
 */
export function serverTag(p: SodiumPrimitives, serverSecret: Uint8Array, purpose: string, message: string): Uint8Array {
  requireBytes(serverSecret, 'serverSecret', KEY_BYTES);
  if (typeof message !== 'string' || !/^[a-z][a-z0-9-]*$/.test(purpose))
    throw new CryptoError('INVALID_ARGUMENT', 'purpose must be lower-case words, message a string');
  return p.generichash(KEY_BYTES, utf8(`${LABELS.serverTag}${purpose}\0${message}`), serverSecret);
}

/**
 * Salt answered at pre-login for an address without an account: a keyed hash of the
 * address, so it is stable across requests (a changing salt would reveal the address is
 * unknown) and unpredictable without the server secret.
 */
export function fakeSalt(p: SodiumPrimitives, serverSecret: Uint8Array, address: string): Uint8Array {
  requireBytes(serverSecret, 'serverSecret', KEY_BYTES);
  if (typeof address !== 'string') throw new CryptoError('INVALID_ARGUMENT', 'address must be a string');
  const digest = p.generichash(KEY_BYTES, utf8(LABELS.fakeSalt + address.toLowerCase()), serverSecret);
  return digest.slice(0, PWHASH_SALT_BYTES);
}
