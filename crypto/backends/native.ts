// SodiumPrimitives on sodium-native (libsodium compiled for this machine). Node only.
// Outputs are plain Uint8Arrays (not Buffers) so that both backends return the same types.

import sodium from 'sodium-native';
import type { SecretstreamPullResult, SecretstreamState, SodiumPrimitives } from '../primitives.ts';
import { AEAD_TAG_BYTES, BOX_SEAL_OVERHEAD, KEY_BYTES, SECRETSTREAM_CHUNK_OVERHEAD, SECRETSTREAM_HEADER_BYTES } from '../primitives.ts';

function randomBytes(length: number): Uint8Array {
  const output = new Uint8Array(length);
  sodium.randombytes_buf(output);
  return output;
}

function generichash(outputLength: number, message: Uint8Array, key?: Uint8Array): Uint8Array {
  const output = new Uint8Array(outputLength);
  if (key) sodium.crypto_generichash(output, message, key);
  else sodium.crypto_generichash(output, message);
  return output;
}

function aeadEncrypt(plaintext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  const ciphertext = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, plaintext, ad, null, nonce, key);
  return ciphertext;
}

function aeadDecrypt(ciphertext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
  if (ciphertext.length < AEAD_TAG_BYTES) return null;
  const plaintext = new Uint8Array(ciphertext.length - AEAD_TAG_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext, null, ciphertext, ad, nonce, key);
    return plaintext;
  } catch {
    // sodium-native throws on a failed verification; sizes were checked above and by callers.
    return null;
  }
}

function secretstreamInitPush(state: SecretstreamState, key: Uint8Array): Uint8Array {
  const header = new Uint8Array(SECRETSTREAM_HEADER_BYTES);
  sodium.crypto_secretstream_xchacha20poly1305_init_push(state, header, key);
  return header;
}

function secretstreamInitPull(state: SecretstreamState, header: Uint8Array, key: Uint8Array): void {
  sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, key);
}

function secretstreamPush(state: SecretstreamState, plaintext: Uint8Array, tag: number): Uint8Array {
  const ciphertext = new Uint8Array(plaintext.length + SECRETSTREAM_CHUNK_OVERHEAD);
  sodium.crypto_secretstream_xchacha20poly1305_push(state, ciphertext, plaintext, null, tag);
  return ciphertext;
}

function secretstreamPull(state: SecretstreamState, ciphertext: Uint8Array): SecretstreamPullResult | null {
  if (ciphertext.length < SECRETSTREAM_CHUNK_OVERHEAD) return null;
  const plaintext = new Uint8Array(ciphertext.length - SECRETSTREAM_CHUNK_OVERHEAD);
  const tag = new Uint8Array(1);
  try {
    sodium.crypto_secretstream_xchacha20poly1305_pull(state, plaintext, tag, ciphertext, null);
  } catch {
    return null; // authentication failure; libsodium leaves the state untouched
  }
  return { plaintext, tag: tag[0]! };
}

function boxSeal(message: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const ciphertext = new Uint8Array(message.length + BOX_SEAL_OVERHEAD);
  sodium.crypto_box_seal(ciphertext, message, publicKey);
  return ciphertext;
}

function boxSealOpen(ciphertext: Uint8Array, publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array | null {
  if (ciphertext.length < BOX_SEAL_OVERHEAD) return null;
  const message = new Uint8Array(ciphertext.length - BOX_SEAL_OVERHEAD);
  return sodium.crypto_box_seal_open(message, ciphertext, publicKey, privateKey) ? message : null;
}

function scalarmultBase(privateKey: Uint8Array): Uint8Array {
  const publicKey = new Uint8Array(KEY_BYTES);
  sodium.crypto_scalarmult_base(publicKey, privateKey);
  return publicKey;
}

async function pwhashArgon2id(outputLength: number, password: Uint8Array, salt: Uint8Array, opsLimit: number, memLimitBytes: number): Promise<Uint8Array> {
  const output = new Uint8Array(outputLength);
  await sodium.crypto_pwhash_async(output, password, salt, opsLimit, memLimitBytes, sodium.crypto_pwhash_ALG_ARGON2ID13);
  return output;
}

export async function loadNativePrimitives(): Promise<SodiumPrimitives> {
  return {
    backendName: 'sodium-native',
    randomBytes,
    memzero: (buffer) => sodium.sodium_memzero(buffer),
    equal: (a, b) => a.length === b.length && sodium.sodium_memcmp(a, b),
    generichash,
    aeadEncrypt,
    aeadDecrypt,
    secretstreamInitPush,
    secretstreamInitPull,
    secretstreamPush,
    secretstreamPull,
    boxSeal,
    boxSealOpen,
    scalarmultBase,
    pwhashArgon2id,
  };
}
