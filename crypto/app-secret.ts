// App passwords (IMAP, POP3, SMTP, DAV clients) and recovery codes: random secrets shown
// once, typeable, strong enough (≥128 bits) that a fast unsalted hash replaces Argon2.
// Without a salt the verifier is a pure function of the secret, so the server finds the
// account by an index on the verifier: login is one lookup, with no username needed.

import type { AppSecretKind, DerivedSecret } from './api.ts';
import { CryptoError } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { KEY_BYTES } from './primitives.ts';
import { utf8 } from './bytes.ts';
import { LABELS } from './format.ts';
import { secretsFromRoot } from './keys.ts';

/** 32 symbols, so each carries 5 bits and `byte & 31` picks one without bias (32 divides
 * 256). No l, o, 0 or 1: they are mistaken for one another when read off a screen. */
export const APP_SECRET_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const SYMBOL_MASK = 31;
const GROUP_SIZE = 4; // groups of 4 are easy to copy by eye
const GROUP_SEPARATOR = '-';

interface AppSecretShape {
  symbols: number;
  label: string;
}

/** 28 symbols = 140 bits for app passwords; 32 symbols = 160 bits for the recovery code,
 * which guards the whole mailbox for years and is typed once. */
const SHAPES: Record<AppSecretKind, AppSecretShape> = {
  'app-password': { symbols: 28, label: 'app password' },
  recovery: { symbols: 32, label: 'recovery code' },
};

const ALPHABET_CHARACTERS = new Set(APP_SECRET_ALPHABET);
const IGNORED_CHARACTERS = /[\s-]/g; // typed or pasted separators

function shapeOf(kind: AppSecretKind): AppSecretShape {
  const shape = Object.hasOwn(SHAPES, kind) ? SHAPES[kind] : undefined;
  if (!shape) throw new CryptoError('INVALID_ARGUMENT', `unknown app secret kind ${String(kind)}`);
  return shape;
}

/** Formats random bytes (one per symbol) as a secret of this kind, e.g. "abcd-efgh-…". */
export function formatAppSecret(kind: AppSecretKind, randomBytes: Uint8Array): string {
  const { symbols } = shapeOf(kind);
  if (randomBytes.length !== symbols) {
    throw new CryptoError('INVALID_ARGUMENT', `a ${kind} needs ${symbols} random bytes`);
  }
  const groups: string[] = [];
  for (let start = 0; start < symbols; start += GROUP_SIZE) {
    let group = '';
    for (const byte of randomBytes.subarray(start, start + GROUP_SIZE)) group += APP_SECRET_ALPHABET[byte & SYMBOL_MASK];
    groups.push(group);
  }
  return groups.join(GROUP_SEPARATOR);
}

export function newAppSecret(p: SodiumPrimitives, kind: AppSecretKind): string {
  const randomBytes = p.randomBytes(shapeOf(kind).symbols);
  try {
    return formatAppSecret(kind, randomBytes);
  } finally {
    p.memzero(randomBytes);
  }
}

/** Lower-cases, drops whitespace and dashes, then insists on the exact length and
 * alphabet. The error never quotes the input. */
export function normaliseAppSecret(secret: string, kind: AppSecretKind): string {
  const { symbols, label } = shapeOf(kind);
  if (typeof secret !== 'string') throw new CryptoError('INVALID_ARGUMENT', `${label} must be a string`);
  const normalised = secret.toLowerCase().replace(IGNORED_CHARACTERS, '');
  let valid = normalised.length === symbols;
  for (const character of normalised) valid &&= ALPHABET_CHARACTERS.has(character);
  if (!valid) {
    throw new CryptoError('MALFORMED', `not a valid ${label}: expected ${symbols} letters and digits as shown`);
  }
  return normalised;
}

/** root = BLAKE2b-256("sealpost/v1/app-secret/" kind NUL normalised); then as for passwords. */
export function deriveFromAppSecret(p: SodiumPrimitives, secret: string, kind: AppSecretKind): DerivedSecret {
  const input = utf8(`${LABELS.appSecret}${kind}\0${normaliseAppSecret(secret, kind)}`);
  const root = p.generichash(KEY_BYTES, input);
  try {
    return secretsFromRoot(p, root);
  } finally {
    p.memzero(input);
    p.memzero(root);
  }
}
