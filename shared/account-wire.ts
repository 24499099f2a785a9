// An account's key material as it travels in JSON: a new account's, to the web API from the
// browser and to the admin socket from the CLI, and the locked keys the web API returns at
// login. Verifiers, wrapped keys and the public key in base64, never a secret.
import type { AccountKeyMaterial } from '../crypto/account-keys.ts';
import type { PasswordKdfParams } from '../crypto/api.ts';
import { toBase64 } from './base64.ts';

export interface WireAccountKeys {
  kdf: PasswordKdfParams;
  salt: string;
  passwordVerifier: string;
  passwordSlot: string;
  publicKey: string;
  encryptedPrivateKey: string;
  recovery: { verifier: string; wrappedMasterKey: string };
}

/** The locked key material the server returns at login (all public or wrapped). */
export interface LockedAccount {
  address: string;
  kdf: PasswordKdfParams;
  salt: string;
  passwordSlot: string;
  publicKey: string;
  encryptedPrivateKey: string;
}

export function accountKeysToWire(material: AccountKeyMaterial): WireAccountKeys {
  return {
    kdf: material.kdf,
    salt: toBase64(material.salt),
    passwordVerifier: toBase64(material.passwordVerifier),
    passwordSlot: toBase64(material.passwordSlot),
    publicKey: toBase64(material.publicKey),
    encryptedPrivateKey: toBase64(material.encryptedPrivateKey),
    recovery: { verifier: toBase64(material.recovery.verifier), wrappedMasterKey: toBase64(material.recovery.wrappedMasterKey) },
  };
}
