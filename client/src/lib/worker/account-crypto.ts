// The key hierarchy as the browser runs it (crypto/account-keys.ts): signup material, login
// (derive, then unlock into the vault), re-authentication, app passwords, recovery codes,
// password change by rewrap, and the encrypted settings record.
import type { PasswordKdfParams, SealpostCrypto } from '../../../../crypto/api.ts';
import { createAccountKeys, createSecretSlot, rewrapForNewPassword, unlockWithMasterKey } from '../../../../crypto/account-keys.ts';
import { accountKeysToWire, type WireAccountKeys } from '../../../../shared/account-wire.ts';
import { fromBase64, toBase64 } from '../../../../shared/base64.ts';
import type { LockedAccount } from './protocol.ts';
import { vault } from './vault.ts';

export async function deriveForLogin(crypto: SealpostCrypto, password: string, salt: string, kdf: PasswordKdfParams): Promise<{ authKey: string }> {
  const derived = await crypto.deriveFromPassword(password, fromBase64(salt), kdf);
  vault.holdPendingKek(crypto, derived.kek);
  try {
    return { authKey: toBase64(derived.authKey) };
  } finally {
    crypto.wipe(derived.authKey);
  }
}

export function unlock(crypto: SealpostCrypto, account: LockedAccount): { unlocked: true } {
  const kek = vault.takePendingKek();
  let masterKey: Uint8Array | undefined;
  try {
    masterKey = crypto.unwrapKey(fromBase64(account.passwordSlot), kek, 'password');
    vault.open(
      crypto,
      unlockWithMasterKey(crypto, masterKey, {
        passwordSlot: fromBase64(account.passwordSlot),
        publicKey: fromBase64(account.publicKey),
        encryptedPrivateKey: fromBase64(account.encryptedPrivateKey),
      }),
    );
    return { unlocked: true };
  } finally {
    crypto.wipe(kek, masterKey);
  }
}

export async function deriveAuthKey(crypto: SealpostCrypto, password: string, salt: string, kdf: PasswordKdfParams): Promise<{ authKey: string }> {
  const derived = await crypto.deriveFromPassword(password, fromBase64(salt), kdf);
  try {
    return { authKey: toBase64(derived.authKey) };
  } finally {
    crypto.wipe(derived.authKey, derived.kek);
  }
}

export async function createAccount(
  crypto: SealpostCrypto,
  password: string,
  kdf: PasswordKdfParams,
): Promise<{ keys: WireAccountKeys; recoveryCode: string }> {
  const { material, recoveryCode } = await createAccountKeys(crypto, password, kdf);
  return { recoveryCode, keys: accountKeysToWire(material) };
}

export function createAppPassword(crypto: SealpostCrypto): { appPassword: string; verifier: string; wrappedMasterKey: string } {
  const appPassword = crypto.newAppPassword();
  const slot = createSecretSlot(crypto, vault.keys().masterKey, appPassword, 'app-password');
  return { appPassword, verifier: toBase64(slot.verifier), wrappedMasterKey: toBase64(slot.wrappedMasterKey) };
}

export function createRecoveryCode(crypto: SealpostCrypto): { recoveryCode: string; verifier: string; wrappedMasterKey: string } {
  const recoveryCode = crypto.newRecoveryCode();
  const slot = createSecretSlot(crypto, vault.keys().masterKey, recoveryCode, 'recovery');
  return { recoveryCode, verifier: toBase64(slot.verifier), wrappedMasterKey: toBase64(slot.wrappedMasterKey) };
}

export async function changePassword(
  crypto: SealpostCrypto,
  params: { currentPassword: string; newPassword: string; salt: string; kdf: PasswordKdfParams },
): Promise<{ authKey: string; salt: string; passwordVerifier: string; passwordSlot: string }> {
  const { authKey } = await deriveAuthKey(crypto, params.currentPassword, params.salt, params.kdf);
  const rewrapped = await rewrapForNewPassword(crypto, vault.keys().masterKey, params.newPassword, params.kdf);
  return {
    authKey,
    salt: toBase64(rewrapped.salt),
    passwordVerifier: toBase64(rewrapped.passwordVerifier),
    passwordSlot: toBase64(rewrapped.passwordSlot),
  };
}

/** Settings are sealed like a message: a fresh key wrapped for the masterKey, the JSON
 * encrypted as a metadata record under it (server/core/user-settings.ts stores both). */
export function encryptSettings(crypto: SealpostCrypto, json: string): { wrappedKey: string; data: string } {
  const key = crypto.newContentKey();
  try {
    return {
      wrappedKey: toBase64(crypto.wrapContentKey(key, vault.keys().masterKey)),
      data: toBase64(crypto.encryptMetadata(key, new TextEncoder().encode(json))),
    };
  } finally {
    crypto.wipe(key);
  }
}

export function decryptSettings(crypto: SealpostCrypto, wrappedKey: string, data: string): { json: string } {
  const key = crypto.openContentKey(fromBase64(wrappedKey), vault.keys());
  try {
    return { json: new TextDecoder().decode(crypto.decryptMetadata(key, fromBase64(data))) };
  } finally {
    crypto.wipe(key);
  }
}
