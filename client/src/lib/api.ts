// The one client of the web API (server/web/routes/*). Every request is same-origin JSON;
// the session cookie travels by itself (HttpOnly, the page cannot read it) and writes carry
// the session's CSRF token in a header. Errors arrive as { code, message }.
import type { BillingStatus, LedgerEntry, PaymentCodeOffer, ReceiptRecord, VoucherRedemption } from '../../../shared/billing-wire.ts';
import { readBodyFrames } from '../../../shared/body-frames.ts';
import type { EncryptedRecord, LockedAccount, PasswordKdfParams, UploadCiphertext, WireAccountKeys } from './worker/protocol.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface FolderInfo {
  id: string;
  specialUse: string | null;
  encryptedName: string | null;
  messages: number;
  unseen: number;
  bytes: number;
  uidValidity: number;
  uidNext: number;
  highestModSeq: number;
  subscribed: boolean;
}

/** [uid, size, internalDate, modSeq, flags] */
export type IndexEntry = [number, number, number, number, string[]];

export interface AccountInfo {
  address: string;
  aliases: string[];
  createdAt: number;
  quotaBytes: number;
  usage: { bytes: number; messages: number };
  limits: { messageMaxBytes: number; addressesPerMailbox: number; recipientsPerMessage: number };
  domains: string[];
}

/** Protocols an app password may open; null means all. */
export type AppPasswordScope = 'imap' | 'pop3' | 'smtp';

export interface AppPasswordInfo {
  id: string;
  label: string;
  scope: AppPasswordScope[] | null;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface SendResult {
  address: string;
  status: 'delivered' | 'queued' | 'failed';
  code?: string;
  message?: string;
}

/** GET /api/billing on a server that charges; one that does not says { enabled: false }. */
export type EnabledBillingStatus = BillingStatus & { enabled: true };

export type { LedgerEntry, ReceiptRecord };

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  try {
    return await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the server cannot be reached');
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(response.status, 'BAD_RESPONSE', `unexpected answer from the server (${response.status})`);
  }
  if (!response.ok) {
    const error = parsed as { code?: string; message?: string } | undefined;
    throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `request failed (${response.status})`);
  }
  return parsed as T;
}

async function binary(method: string, path: string, body?: unknown): Promise<ArrayBuffer> {
  const response = await send(method, path, body);
  if (!response.ok) {
    const error = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(response.status, error.code ?? 'HTTP_ERROR', error.message ?? `request failed (${response.status})`);
  }
  try {
    return await response.arrayBuffer();
  } catch {
    throw new ApiError(0, 'NETWORK', 'the answer was broken off');
  }
}

const folderPath = (folderId: string) => `/api/folders/${encodeURIComponent(folderId)}`;

export const api = {
  prelogin: (address: string) => request<{ salt: string; kdf: PasswordKdfParams }>('POST', '/api/auth/prelogin', { address }),
  login: (address: string, authKey: string) => request<{ account: LockedAccount; csrfToken: string }>('POST', '/api/auth/login', { address, authKey }),
  logout: () => request<void>('POST', '/api/session/logout', {}),

  signupOptions: () => request<{ enabled: boolean; domains: string[]; kdf: PasswordKdfParams }>('GET', '/api/signup/options'),
  signupChallenge: () => request<{ challenge: string; bits: number; expiresAt: number }>('POST', '/api/signup/challenge'),
  checkAddress: (address: string) => request<{ available: boolean; code?: string; message?: string }>('POST', '/api/signup/address-check', { address }),
  signup: (body: { address: string; challenge: string; nonce: string; keys: WireAccountKeys }) => request<{ address: string }>('POST', '/api/signup', body),

  folders: () => request<{ folders: FolderInfo[] }>('GET', '/api/folders'),
  createFolder: (encryptedName: string) => request<FolderInfo>('POST', '/api/folders', { encryptedName }),
  updateFolder: (folderId: string, change: { encryptedName?: string; subscribed?: boolean }) => request<FolderInfo>('PATCH', folderPath(folderId), change),
  deleteFolder: (folderId: string) => request<void>('DELETE', folderPath(folderId)),

  index: (folderId: string, afterUid: number, limit?: number) =>
    request<{ uidValidity: number; uidNext: number; highestModSeq: number; messages: IndexEntry[]; nextAfterUid: number | null }>(
      'GET',
      `${folderPath(folderId)}/messages?afterUid=${afterUid}${limit ? `&limit=${limit}` : ''}`,
    ),
  metadata: (folderId: string, uids: number[]) => request<{ messages: EncryptedRecord[] }>('POST', `${folderPath(folderId)}/messages/metadata`, { uids }),
  body: (folderId: string, uid: number) => binary('GET', `${folderPath(folderId)}/messages/${uid}/body`),
  /** The bodies of those of `uids` still in the folder (at most 100), by uid. */
  bodies: async (folderId: string, uids: number[]) => readBodyFrames(await binary('POST', `${folderPath(folderId)}/messages/bodies`, { uids })),
  setFlags: (folderId: string, uids: number[], mode: 'add' | 'remove' | 'set', flags: string[]) =>
    request<{ updated: { uid: number; flags: string[]; modSeq: number }[] }>('POST', `${folderPath(folderId)}/messages/flags`, { uids, mode, flags }),
  expunge: (folderId: string, uids: number[]) => request<{ expunged: number[] }>('POST', `${folderPath(folderId)}/messages/expunge`, { uids }),
  move: (folderId: string, uids: number[], to: string) =>
    request<{ sourceUids: number[]; destinationUids: number[] }>('POST', `${folderPath(folderId)}/messages/move`, { uids, to }),
  copy: (folderId: string, uids: number[], to: string) =>
    request<{ sourceUids: number[]; destinationUids: number[] }>('POST', `${folderPath(folderId)}/messages/copy`, { uids, to }),
  rewrap: (folderId: string, keys: { uid: number; previous: string; contentKey: string }[]) =>
    request<{ stored: number }>('POST', `${folderPath(folderId)}/messages/rewrap`, { keys }),
  upload: (folderId: string, ciphertext: UploadCiphertext, flags: string[]) =>
    request<{ uid: number; uidValidity: number; size: number }>('POST', `${folderPath(folderId)}/messages`, { ...ciphertext, flags }),

  send: (from: string, recipients: string[], message: string) => request<{ recipients: SendResult[] }>('POST', '/api/send', { from, recipients, message }),

  account: () => request<AccountInfo>('GET', '/api/account'),
  changePassword: (body: { authKey: string; salt: string; passwordVerifier: string; passwordSlot: string; revokeAppPasswords: boolean }) =>
    request<void>('POST', '/api/account/password', body),
  replaceRecoveryCode: (body: { authKey: string; verifier: string; wrappedMasterKey: string }) => request<void>('POST', '/api/account/recovery-code', body),
  addAlias: (address: string) => request<{ address: string }>('POST', '/api/account/aliases', { address }),
  removeAlias: (address: string) => request<void>('POST', '/api/account/aliases/remove', { address }),
  deleteAccount: (authKey: string, confirmAddress: string) => request<void>('POST', '/api/account/delete', { authKey, confirmAddress }),

  appPasswords: () => request<{ appPasswords: AppPasswordInfo[] }>('GET', '/api/app-passwords'),
  createAppPassword: (label: string, scope: AppPasswordScope[] | null, verifier: string, wrappedMasterKey: string) =>
    request<AppPasswordInfo>('POST', '/api/app-passwords', { label, scope, verifier, wrappedMasterKey }),
  revokeAppPassword: (id: string) => request<void>('DELETE', `/api/app-passwords/${encodeURIComponent(id)}`),

  settings: () => request<{ settings: { wrappedKey: string; data: string; updatedAt: number } | null }>('GET', '/api/settings'),
  saveSettings: (wrappedKey: string, data: string) => request<{ updatedAt: number }>('PUT', '/api/settings', { wrappedKey, data }),

  billing: () => request<EnabledBillingStatus | { enabled: false }>('GET', '/api/billing'),
  requestPaymentCode: () => request<PaymentCodeOffer>('POST', '/api/billing/payment-codes', {}),
  redeemVoucher: (code: string) => request<VoucherRedemption>('POST', '/api/billing/vouchers', { code }),
  ledger: () => request<{ entries: LedgerEntry[] }>('GET', '/api/billing/ledger'),
  receipts: () => request<{ receipts: ReceiptRecord[] }>('GET', '/api/billing/receipts'),
  setExtraStorage: (steps: number) => request<BillingStatus>('PUT', '/api/billing/extra-storage', { steps }),

  clientSetup: () =>
    request<{ services: { protocol: 'imap' | 'pop3' | 'smtp'; hostname: string; port: number; security: 'tls' | 'starttls' }[] }>('GET', '/api/client-setup'),
};
