// The messages between the page and the crypto worker. The page never holds a key: it
// sends ciphertext and wrapped keys in and gets plaintext (or new ciphertext) back. Secrets
// that cross are only those the user must see or type: the password going in, a new app
// password or recovery code coming out to be shown once. Binary values are base64 strings
// or transferred ArrayBuffers.
import type { PasswordKdfParams } from '../../../../crypto/api.ts';
import type { MessageSummary } from '../../../../mime/types.ts';
import type { LockedAccount, WireAccountKeys } from '../../../../shared/account-wire.ts';
import type { FolderUids, SearchHit, SearchResult } from '../search/mail-index.ts';

export type { FolderUids, LockedAccount, PasswordKdfParams, SearchHit, SearchResult, WireAccountKeys };

export interface EncryptedRecord {
  uid: number;
  contentKey: string;
  metadata: string;
}

export interface ParsedAddress {
  name: string;
  address: string;
}

export interface ParsedAttachment {
  filename: string;
  mimeType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
  content: ArrayBuffer;
}

export type CheckResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';

export interface ParsedMessage {
  subject: string;
  from: ParsedAddress[];
  to: ParsedAddress[];
  cc: ParsedAddress[];
  replyTo: ParsedAddress[];
  date: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  html: string | null;
  text: string | null;
  attachments: ParsedAttachment[];
  /** From the Authentication-Results header our MX adds; null when absent. */
  authentication: { spf: CheckResult | null; dkim: CheckResult | null; dmarc: CheckResult | null } | null;
  /** The sending address when our server says an account here sent it (auth=pass with
   * smtp.auth, added by submission and the webmail's send); null otherwise. */
  localSender: string | null;
  /** From X-Spam-Flag / X-Spam-Status / X-Spam-Score; null when no spam check ran. */
  spam: { flagged: boolean; score: string | null } | null;
}

/** A message for the search index: its encrypted record and, unless it is too large to be
 * worth downloading, its body ciphertext. `date` is the server's arrival date. */
export interface MessageToIndex extends EncryptedRecord {
  date: number;
  ciphertext: ArrayBuffer | null;
}

export interface UploadCiphertext {
  contentKey: string;
  metadata: string;
  body: string;
}

export interface WorkerMethods {
  /** Argon2id from the password; keeps the kek for unlock(), returns only the authKey. */
  deriveForLogin(params: { password: string; salt: string; kdf: PasswordKdfParams }): { authKey: string };
  /** Opens the account's keys with the kek kept by deriveForLogin, into the vault. */
  unlock(params: { account: LockedAccount }): { unlocked: true };
  lock(params: Record<string, never>): { locked: true };
  /** The authKey of a password for a sensitive request (nothing is kept). */
  deriveAuthKey(params: { password: string; salt: string; kdf: PasswordKdfParams }): { authKey: string };
  createAccount(params: { password: string; kdf: PasswordKdfParams }): { keys: WireAccountKeys; recoveryCode: string };
  solveProofOfWork(params: { challenge: string; bits: number }): { nonce: string };
  /** Decrypts metadata records; sealed content keys come back rewrapped for the server. */
  openMetadata(params: { records: EncryptedRecord[] }): {
    summaries: { uid: number; summary: MessageSummary }[];
    rewraps: { uid: number; previous: string; contentKey: string }[];
    failed: number[];
  };
  decryptBody(params: { contentKey: string; ciphertext: ArrayBuffer }): { plaintext: ArrayBuffer };
  parseMessage(params: { contentKey: string; ciphertext: ArrayBuffer }): ParsedMessage;
  /** Encrypts a message the user wrote, with its MIME summary, for upload to a folder. */
  encryptMessage(params: { message: ArrayBuffer }): UploadCiphertext;
  sealFolderName(params: { name: string }): { sealed: string };
  openFolderNames(params: { folders: { id: string; encryptedName: string }[] }): { names: Record<string, string | null> };
  createAppPassword(params: Record<string, never>): { appPassword: string; verifier: string; wrappedMasterKey: string };
  createRecoveryCode(params: Record<string, never>): { recoveryCode: string; verifier: string; wrappedMasterKey: string };
  changePassword(params: { currentPassword: string; newPassword: string; salt: string; kdf: PasswordKdfParams }): {
    authKey: string;
    salt: string;
    passwordVerifier: string;
    passwordSlot: string;
  };
  encryptSettings(params: { json: string }): { wrappedKey: string; data: string };
  decryptSettings(params: { wrappedKey: string; data: string }): { json: string };
  /** Opens this device's encrypted search index of the unlocked account; `create` makes an
   * empty one if there is none. `database` is its IndexedDB name (null: there is none). */
  openSearchIndex(params: { create: boolean }): { database: string | null; messages: number };
  /** The IndexedDB name of this account's search index on this device, whether or not it
   * exists (the page deletes it by that name). */
  searchIndexName(params: Record<string, never>): { database: string };
  /** Drops what the server no longer has from the index; returns what it lacks. */
  reconcileSearchIndex(params: { folders: FolderUids[] }): { missing: FolderUids[] };
  /** Decrypts messages and adds their words to the index; sealed keys come back rewrapped. */
  indexMessages(params: { folderId: string; uidValidity: number; messages: MessageToIndex[] }): {
    rewraps: { uid: number; previous: string; contentKey: string }[];
    failed: number[];
  };
  unindexMessages(params: { folderId: string; uids: number[] }): { removed: number };
  /** The newest `limit` messages of any folder holding every word of the query. */
  searchMessages(params: { query: string; limit: number }): SearchResult;
}

export type WorkerMethod = keyof WorkerMethods;

export interface WorkerRequest<M extends WorkerMethod = WorkerMethod> {
  id: number;
  method: M;
  params: Parameters<WorkerMethods[M]>[0];
}

export type WorkerResponse = { id: number; result: unknown } | { id: number; error: { code: string; message: string } };
