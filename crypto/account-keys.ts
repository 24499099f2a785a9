// The account key hierarchy of docs/design.md, Keys, assembled from the primitives of
// SealpostCrypto: what a client (the browser at signup, the operator's CLI) builds for a new
// account, and how each secret unlocks it. Runs wherever the secret is typed; the server
// receives only verifiers and wrapped keys. Knows nothing of mail.
import type { MailboxKeys, PasswordKdfParams, SealpostCrypto } from './api.ts';

/** Everything the server stores for a new account: public or wrapped, never a secret. */
export interface AccountKeyMaterial {
  kdf: PasswordKdfParams;
  salt: Uint8Array;
  passwordVerifier: Uint8Array;
  passwordSlot: Uint8Array;
  publicKey: Uint8Array;
  encryptedPrivateKey: Uint8Array;
  recovery: SecretSlotMaterial;
}

/** A key slot unlocked by an app password or a recovery code. */
export interface SecretSlotMaterial {
  verifier: Uint8Array;
  wrappedMasterKey: Uint8Array;
}

export interface LockedAccount {
  passwordSlot: Uint8Array;
  publicKey: Uint8Array;
  encryptedPrivateKey: Uint8Array;
}

export async function createAccountKeys(
  crypto: SealpostCrypto,
  password: string,
  kdf: PasswordKdfParams,
): Promise<{ material: AccountKeyMaterial; recoveryCode: string }> {
  const salt = crypto.newPasswordSalt();
  const derived = await crypto.deriveFromPassword(password, salt, kdf);
  const masterKey = crypto.newMasterKey();
  try {
    const identity = crypto.newIdentity(masterKey);
    const recoveryCode = crypto.newRecoveryCode();
    const recovery = createSecretSlot(crypto, masterKey, recoveryCode, 'recovery');
    return {
      recoveryCode,
      material: {
        kdf,
        salt,
        passwordVerifier: derived.verifier,
        passwordSlot: crypto.wrapKey(masterKey, derived.kek, 'password'),
        publicKey: identity.publicKey,
        encryptedPrivateKey: identity.encryptedPrivateKey,
        recovery,
      },
    };
  } finally {
    crypto.wipe(masterKey, derived.authKey, derived.kek);
  }
}

/** Wraps the masterKey for a new app password or recovery code. */
export function createSecretSlot(crypto: SealpostCrypto, masterKey: Uint8Array, secret: string, kind: 'app-password' | 'recovery'): SecretSlotMaterial {
  const derived = crypto.deriveFromAppSecret(secret, kind);
  try {
    return {
      verifier: derived.verifier,
      wrappedMasterKey: crypto.wrapKey(masterKey, derived.kek, kind === 'recovery' ? 'recovery' : 'app-password'),
    };
  } finally {
    crypto.wipe(derived.authKey, derived.kek);
  }
}

/** Opens the identity with a masterKey already unwrapped from some slot. */
export function unlockWithMasterKey(crypto: SealpostCrypto, masterKey: Uint8Array, account: LockedAccount): MailboxKeys {
  return crypto.openIdentity({ publicKey: account.publicKey, encryptedPrivateKey: account.encryptedPrivateKey }, masterKey);
}

/** Rewraps the masterKey under a new password; no message is re-encrypted. */
export async function rewrapForNewPassword(
  crypto: SealpostCrypto,
  masterKey: Uint8Array,
  newPassword: string,
  kdf: PasswordKdfParams,
): Promise<{ salt: Uint8Array; passwordVerifier: Uint8Array; passwordSlot: Uint8Array }> {
  const salt = crypto.newPasswordSalt();
  const derived = await crypto.deriveFromPassword(newPassword, salt, kdf);
  try {
    return { salt, passwordVerifier: derived.verifier, passwordSlot: crypto.wrapKey(masterKey, derived.kek, 'password') };
  } finally {
    crypto.wipe(derived.authKey, derived.kek);
  }
}

/** What a client needs to unlock with the account password: all of it public or wrapped. */
export interface PasswordLockedAccount extends LockedAccount {
  kdf: PasswordKdfParams;
  salt: Uint8Array;
}

/** Unlocks with the account password, as the browser does at login and the CLI does. */
export async function unlockWithPassword(crypto: SealpostCrypto, password: string, account: PasswordLockedAccount): Promise<MailboxKeys> {
  const derived = await crypto.deriveFromPassword(password, account.salt, account.kdf);
  try {
    const masterKey = crypto.unwrapKey(account.passwordSlot, derived.kek, 'password');
    return unlockWithMasterKey(crypto, masterKey, account);
  } finally {
    crypto.wipe(derived.authKey, derived.kek);
  }
}
