// The public surface of Sealpost's crypto core that needs no libsodium backend. Get an
// implementation of SealpostCrypto from crypto/node.ts (server) or crypto/browser.ts (web).

export type {
  AppSecretKind,
  BodyDecryptor,
  BodyEncryptor,
  CiphertextReader,
  CryptoErrorCode,
  DerivedSecret,
  Identity,
  KeySlotPurpose,
  MailboxKeys,
  PasswordKdfParams,
  SealpostCrypto,
  SearchIndexKeys,
} from './api.ts';
export { CryptoError } from './api.ts';
export { DEFAULT_PASSWORD_KDF_PARAMS } from './keys.ts';
export { APP_SECRET_ALPHABET, normaliseAppSecret } from './app-secret.ts';
export { BODY_CHUNK_SIZE, bodyCiphertextSize, bodyPlaintextSize } from './body-stream.ts';
