// The crypto worker: libsodium (WASM) runs here, off the page's thread, so Argon2id never
// freezes the page, and the mailbox keys live only here (worker/vault.ts). The page talks
// to it through lib/crypto-client.ts with the messages of worker/protocol.ts.
import { loadBrowserCrypto } from '../../../crypto/browser.ts';
import * as account from './worker/account-crypto.ts';
import { openFolderName, sealFolderName } from '../../../shared/folder-names.ts';
import * as mail from './worker/mail-crypto.ts';
import { solveProofOfWork } from '../../../shared/proof-of-work.ts';
import type { WorkerMethod, WorkerMethods, WorkerRequest, WorkerResponse } from './worker/protocol.ts';
import { vault } from './worker/vault.ts';

type Handlers = { [M in WorkerMethod]: (params: Parameters<WorkerMethods[M]>[0]) => Promise<ReturnType<WorkerMethods[M]>> | ReturnType<WorkerMethods[M]> };

const cryptoReady = loadBrowserCrypto();
/** Loaded with the first search, not with the worker: login needs only libsodium. */
let searchLoaded: Promise<typeof import('./worker/mail-search.ts')> | undefined;
const search = () => (searchLoaded ??= import('./worker/mail-search.ts'));

const handlers: Handlers = {
  deriveForLogin: async ({ password, salt, kdf }) => account.deriveForLogin(await cryptoReady, password, salt, kdf),
  unlock: async ({ account: locked }) => account.unlock(await cryptoReady, locked),
  lock: async () => {
    vault.lock(await cryptoReady);
    if (searchLoaded) (await searchLoaded).closeSearchIndex();
    return { locked: true };
  },
  deriveAuthKey: async ({ password, salt, kdf }) => account.deriveAuthKey(await cryptoReady, password, salt, kdf),
  createAccount: async ({ password, kdf }) => account.createAccount(await cryptoReady, password, kdf),
  solveProofOfWork: async ({ challenge, bits }) => ({ nonce: await solveProofOfWork(challenge, bits) }),
  openMetadata: async ({ records }) => mail.openMetadata(await cryptoReady, records),
  decryptBody: async ({ contentKey, ciphertext }) => {
    const plaintext = mail.decryptBody(await cryptoReady, contentKey, ciphertext);
    return { plaintext: plaintext.buffer as ArrayBuffer };
  },
  parseMessage: async ({ contentKey, ciphertext }) => mail.parseMessage(await cryptoReady, contentKey, ciphertext),
  encryptMessage: async ({ message }) => mail.encryptMessage(await cryptoReady, message),
  sealFolderName: async ({ name }) => ({ sealed: sealFolderName(await cryptoReady, vault.keys(), name) }),
  openFolderNames: async ({ folders }) => {
    const crypto = await cryptoReady;
    const names: Record<string, string | null> = {};
    for (const folder of folders) {
      try {
        names[folder.id] = openFolderName(crypto, vault.keys(), folder.encryptedName);
      } catch {
        names[folder.id] = null;
      }
    }
    return { names };
  },
  createAppPassword: async () => account.createAppPassword(await cryptoReady),
  createRecoveryCode: async () => account.createRecoveryCode(await cryptoReady),
  changePassword: async (params) => account.changePassword(await cryptoReady, params),
  encryptSettings: async ({ json }) => account.encryptSettings(await cryptoReady, json),
  decryptSettings: async ({ wrappedKey, data }) => account.decryptSettings(await cryptoReady, wrappedKey, data),
  openSearchIndex: async ({ create }) => (await search()).openSearchIndex(await cryptoReady, create),
  searchIndexName: async () => ({ database: (await search()).searchIndexName(await cryptoReady) }),
  reconcileSearchIndex: async ({ folders }) => (await search()).reconcileSearchIndex(await cryptoReady, folders),
  indexMessages: async ({ folderId, uidValidity, messages }) => (await search()).indexMessages(await cryptoReady, folderId, uidValidity, messages),
  unindexMessages: async ({ folderId, uids }) => (await search()).unindexMessages(await cryptoReady, folderId, uids),
  searchMessages: async ({ query, limit }) => (await search()).searchMessages(query, limit),
};

/** ArrayBuffers in a result move to the page instead of being copied. */
function transferablesOf(value: unknown, found: Transferable[] = []): Transferable[] {
  if (value instanceof ArrayBuffer) found.push(value);
  else if (Array.isArray(value)) for (const item of value) transferablesOf(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) transferablesOf(item, found);
  return found;
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { id, method, params } = event.data;
  let response: WorkerResponse;
  try {
    const handler = handlers[method] as (input: unknown) => unknown;
    const result = await handler(params);
    response = { id, result };
    self.postMessage(response, { transfer: transferablesOf(result) });
  } catch (error) {
    const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'CRYPTO_FAILED';
    response = { id, error: { code, message: error instanceof Error ? error.message : 'the operation failed' } };
    self.postMessage(response);
  }
};
