// Record types stored in the key-value store, and their encoding. Records are JSON with
// binary fields in base64: compact enough, readable by operators' tools, versioned by `v`.
// What each record may reveal is bounded by docs/design.md promise 1: addresses, sizes, dates,
// flags, counts and quota use in clear; everything the user wrote only as ciphertext.
import type { PasswordKdfParams } from '../../crypto/api.ts';

export type SpecialUse = '\\Inbox' | '\\Sent' | '\\Drafts' | '\\Junk' | '\\Trash' | '\\Archive';

export interface AccountRecord {
  v: 1;
  id: string;
  /** The address the account was created with; aliases live under addr/. */
  address: string;
  createdAt: number;
  kdf: PasswordKdfParams & { salt: string };
  /** H(authKey) of the account password. */
  passwordVerifier: string;
  /** masterKey wrapped by the password kek. */
  passwordSlot: string;
  publicKey: string;
  encryptedPrivateKey: string;
  quotaBytes: number;
}

/** Protocols an app password may be used for; null on a slot means every protocol. */
export type AppPasswordScope = 'imap' | 'pop3' | 'smtp';
export const APP_PASSWORD_SCOPES: readonly AppPasswordScope[] = ['imap', 'pop3', 'smtp'];

export interface KeySlotRecord {
  v: 1;
  id: string;
  kind: 'app-password' | 'recovery';
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  verifier: string;
  wrappedMasterKey: string;
  /** Absent on slots made before scopes existed: treated as every protocol. */
  scope?: AppPasswordScope[] | null;
}

export interface VerifierIndexRecord {
  accountId: string;
  slotId: string;
}

export interface UsageRecord {
  bytes: number;
  messages: number;
}

export interface FolderRecord {
  v: 1;
  id: string;
  /** Encrypted name (a record under a masterKey-derived key) for folders the user made;
   * null for the default folders, whose names follow from their special use. */
  encryptedName: string | null;
  specialUse: SpecialUse | null;
  uidValidity: number;
  uidNext: number;
  highestModSeq: number;
  messages: number;
  bytes: number;
  /** Messages without \Seen and with \Deleted, kept by every write so STATUS needs no scan. */
  unseen: number;
  deleted: number;
  /** IMAP subscription (RFC 3501 6.3.6); the default folders start subscribed. */
  subscribed: boolean;
  /** The first UID no session has selected yet: IMAP4rev1 \Recent (RFC 3501 2.3.2). */
  firstRecentUid: number;
  createdAt: number;
}

export interface MessageRecord {
  v: 1;
  uid: number;
  blobId: string;
  /** Plaintext size in octets (RFC822.SIZE); the quota counts it. */
  size: number;
  internalDate: number;
  flags: string[];
  modSeq: number;
  /** Content key: sealed to the public key, or wrapped under the masterKey after rewrap. */
  contentKey: string;
  /** Encrypted metadata record (parsed structure, envelope, preview). */
  metadata: string;
}

export interface DeliveryLogRecord {
  time: number;
  direction: 'in' | 'out';
  size: number;
  /** The other mail server's address, `[192.0.2.1]`, for mail over the network; never a
   * client's, and null for mail between our own mailboxes. */
  remote: string | null;
  /** `stored`, `delivered (TLS): <reply>`, `deferred …`, `bounced …`. */
  status: string;
  /** What handed the message over: `mx`, `submission`, `web`. */
  source: string;
  /** Outbound only: the domain the message went to (never the local part), which names the
   * destination better than its MX's address. */
  recipientDomain?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeRecord(record: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function decodeRecord<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

export const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
export const toHex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
