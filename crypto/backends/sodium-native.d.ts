// Types for the part of sodium-native@4 that backends/native.ts uses (the package ships
// none). Functions write into caller-provided buffers and throw on failure.
declare module 'sodium-native' {
  type Bytes = Uint8Array;
  interface SodiumNative {
    randombytes_buf(buffer: Bytes): void;
    sodium_memzero(buffer: Bytes): void;
    sodium_memcmp(a: Bytes, b: Bytes): boolean;
    crypto_generichash(output: Bytes, input: Bytes, key?: Bytes): void;
    crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext: Bytes, message: Bytes, ad: Bytes | null, nsec: null, nonce: Bytes, key: Bytes): number;
    crypto_aead_xchacha20poly1305_ietf_decrypt(message: Bytes, nsec: null, ciphertext: Bytes, ad: Bytes | null, nonce: Bytes, key: Bytes): number;
    crypto_secretstream_xchacha20poly1305_init_push(state: Bytes, header: Bytes, key: Bytes): void;
    crypto_secretstream_xchacha20poly1305_init_pull(state: Bytes, header: Bytes, key: Bytes): void;
    crypto_secretstream_xchacha20poly1305_push(state: Bytes, ciphertext: Bytes, message: Bytes, ad: Bytes | null, tag: number): number;
    crypto_secretstream_xchacha20poly1305_pull(state: Bytes, message: Bytes, tag: Bytes, ciphertext: Bytes, ad: Bytes | null): number;
    crypto_secretstream_xchacha20poly1305_STATEBYTES: number;
    crypto_box_seal(ciphertext: Bytes, message: Bytes, publicKey: Bytes): void;
    crypto_box_seal_open(message: Bytes, ciphertext: Bytes, publicKey: Bytes, secretKey: Bytes): boolean;
    crypto_scalarmult_base(publicKey: Bytes, secretKey: Bytes): void;
    crypto_pwhash_async(output: Bytes, password: Bytes, salt: Bytes, opsLimit: number, memLimit: number, algorithm: number): Promise<void>;
    crypto_pwhash_ALG_ARGON2ID13: number;
  }
  const sodium: SodiumNative;
  export default sodium;
}
