// Accounts: creation from client-built key material, lookup by any address, key slots
// (app passwords, recovery code), password change by rewrap, and deletion by
// crypto-shredding (key slots first, then data). The server never sees a password or a
// masterKey here except inside the memory of a session that an app password unlocked.
import { prefixRange } from '../store/types.ts';
import type { DerivedSecret, MailboxKeys } from '../../crypto/api.ts';
import { unlockWithMasterKey, type AccountKeyMaterial, type SecretSlotMaterial } from '../../crypto/account-keys.ts';
import type { Transaction } from './account-writer.ts';
import type { AccountPolicy } from './account-policy.ts';
import { splitAddress, normalizeAddress, validateNewAddress } from './addresses.ts';
import type { CoreContext } from './context.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { erasing, keyRange } from './erasure.ts';
import type { Domains } from './domains.ts';
import { MailError } from './errors.ts';
import type { Folders } from './folders.ts';
import { END, keys } from './keys.ts';
import {
  decodeRecord,
  encodeRecord,
  fromBase64,
  toBase64,
  toHex,
  type AccountRecord,
  type AppPasswordScope,
  type KeySlotRecord,
  type UsageRecord,
  type VerifierIndexRecord,
} from './records.ts';

export interface UnlockedSession {
  accountId: string;
  slotId: string;
  keys: MailboxKeys;
}

export interface AccountSummary {
  id: string;
  address: string;
  aliases: string[];
  createdAt: number;
  quotaBytes: number;
  usage: UsageRecord;
}

/** An account has one recovery code; its slot has this fixed id. */
const RECOVERY_SLOT_ID = 'recovery';

/** Blob deletions in flight at once while an account is deleted: enough to share each
 * fsync among many, few enough to bound open files. */
const BLOB_DELETES_AT_ONCE = 64;

/** Last-used dates are kept to the day: enough for the user, less of a trail. */
const DAY_MS = 86_400_000;

export class Accounts {
  readonly #context: CoreContext;
  readonly #domains: Domains;
  readonly #folders: Folders;
  readonly #deliveryLog: DeliveryLog;
  readonly #policy: AccountPolicy;

  constructor(context: CoreContext, domains: Domains, folders: Folders, deliveryLog: DeliveryLog, policy: AccountPolicy) {
    this.#context = context;
    this.#domains = domains;
    this.#folders = folders;
    this.#deliveryLog = deliveryLog;
    this.#policy = policy;
  }

  /** Inside a transaction claiming an address: refuses one held back after a deletion. */
  assertAddressAvailable(txn: Transaction, address: string): Promise<void> {
    return this.#policy.checkNewAddress(txn, address);
  }

  async create(address: string, material: AccountKeyMaterial): Promise<AccountRecord> {
    const normalized = validateNewAddress(address);
    await this.#domains.requireLocal(splitAddress(normalized)!.domain);
    const accountId = toHex(this.#context.crypto.randomBytes(12));
    const now = this.#context.clock.now();
    const record: AccountRecord = {
      v: 1,
      id: accountId,
      address: normalized,
      createdAt: now,
      kdf: { ...material.kdf, salt: toBase64(material.salt) },
      passwordVerifier: toBase64(material.passwordVerifier),
      passwordSlot: toBase64(material.passwordSlot),
      publicKey: toBase64(material.publicKey),
      encryptedPrivateKey: toBase64(material.encryptedPrivateKey),
      quotaBytes: this.#context.limits.mailboxQuotaBytes,
    };
    // The address is claimed inside the new account's transaction; a concurrent claim of
    // the same address by another new account is caught by re-reading after commit.
    return this.#context.writer.run(`address:${normalized}`, async (txn) => {
      if (await txn.get(keys.address(normalized))) throw new MailError('ADDRESS_TAKEN', `${normalized} is already taken`);
      await this.#policy.checkNewAddress(txn, normalized);
      this.#policy.initialize(txn, accountId, now);
      txn.put(keys.account(accountId), encodeRecord(record));
      txn.put(keys.address(normalized), new TextEncoder().encode(accountId));
      txn.put(keys.accountAddress(accountId, normalized), new Uint8Array(0));
      txn.put(keys.usage(accountId), encodeRecord({ bytes: 0, messages: 0 } satisfies UsageRecord));
      this.#putSlot(txn, accountId, RECOVERY_SLOT_ID, 'recovery', 'Recovery code', material.recovery, now);
      this.#folders.createDefaults(txn, accountId);
      return record;
    });
  }

  async findIdByAddress(address: string): Promise<string | undefined> {
    const value = await this.#context.store.kv.get(keys.address(normalizeAddress(address)));
    return value ? new TextDecoder().decode(value) : undefined;
  }

  async get(accountId: string): Promise<AccountRecord> {
    const value = await this.#context.store.kv.get(keys.account(accountId));
    if (!value) throw new MailError('ACCOUNT_NONEXISTENT', 'no such account');
    return decodeRecord<AccountRecord>(value);
  }

  async exists(accountId: string): Promise<boolean> {
    return (await this.#context.store.kv.get(keys.account(accountId))) !== undefined;
  }

  async count(): Promise<number> {
    let count = 0;
    for await (const _ of this.#context.store.kv.iterate(prefixRange(keys.accountPrefix()))) count += 1;
    return count;
  }

  /** Every account's id and main address, in id order: for jobs that visit each account. */
  async listAddresses(): Promise<{ id: string; address: string }[]> {
    const accounts: { id: string; address: string }[] = [];
    for await (const [, value] of this.#context.store.kv.iterate(prefixRange(keys.accountPrefix()))) {
      const record = decodeRecord<AccountRecord>(value);
      accounts.push({ id: record.id, address: record.address });
    }
    return accounts;
  }

  async getByAddress(address: string): Promise<AccountRecord> {
    const accountId = await this.findIdByAddress(address);
    if (!accountId) throw new MailError('ACCOUNT_NONEXISTENT', `no account has the address ${normalizeAddress(address)}`);
    return this.get(accountId);
  }

  async usage(accountId: string): Promise<UsageRecord> {
    const value = await this.#context.store.kv.get(keys.usage(accountId));
    return value ? decodeRecord<UsageRecord>(value) : { bytes: 0, messages: 0 };
  }

  async addresses(accountId: string): Promise<string[]> {
    const prefix = keys.accountAddressPrefix(accountId);
    const result: string[] = [];
    for await (const [key] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) {
      result.push(key.slice(prefix.length));
    }
    return result;
  }

  async list(): Promise<AccountSummary[]> {
    const prefix = keys.accountPrefix();
    const summaries: AccountSummary[] = [];
    for await (const [, value] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) {
      const account = decodeRecord<AccountRecord>(value);
      summaries.push({
        id: account.id,
        address: account.address,
        aliases: (await this.addresses(account.id)).filter((alias) => alias !== account.address),
        createdAt: account.createdAt,
        quotaBytes: account.quotaBytes,
        usage: await this.usage(account.id),
      });
    }
    return summaries;
  }

  /** Stores a key slot for an app password whose verifier and wrapped masterKey the client
   * computed; returns the slot id. */
  /** `scope` limits the protocols the app password opens (null: every protocol). */
  async addAppPassword(accountId: string, label: string, slot: SecretSlotMaterial, scope: AppPasswordScope[] | null = null): Promise<KeySlotRecord> {
    await this.get(accountId);
    return this.#context.writer.run(accountId, async (txn) => {
      const slotId = toHex(this.#context.crypto.randomBytes(8));
      return this.#putSlot(txn, accountId, slotId, 'app-password', label, slot, this.#context.clock.now(), scope);
    });
  }

  /** Replaces the recovery code's slot with one the client built for a new code; the old
   * code stops working in the same durable step. */
  async replaceRecoveryCode(accountId: string, slot: SecretSlotMaterial): Promise<void> {
    await this.get(accountId);
    await this.#context.writer.run(accountId, async (txn) => {
      const previous = await txn.get(keys.keySlot(accountId, RECOVERY_SLOT_ID));
      if (previous) txn.del(keys.verifier(decodeRecord<KeySlotRecord>(previous).verifier));
      this.#putSlot(txn, accountId, RECOVERY_SLOT_ID, 'recovery', 'Recovery code', slot, this.#context.clock.now());
    });
  }

  async listKeySlots(accountId: string): Promise<KeySlotRecord[]> {
    const prefix = keys.keySlotPrefix(accountId);
    const slots: KeySlotRecord[] = [];
    for await (const [, value] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) {
      slots.push(decodeRecord<KeySlotRecord>(value));
    }
    return slots;
  }

  /**
   * Revokes an app password: its slot and verifier are erased from the store's files (an old
   * copy of them and the app password would open the mailbox), then every session unlocked
   * with it hears so and ends (docs/design.md promise 10).
   */
  async revokeKeySlot(accountId: string, slotId: string): Promise<void> {
    const value = await this.#context.store.kv.get(keys.keySlot(accountId, slotId));
    if (!value) throw new MailError('INVALID_ARGUMENT', 'no such app password');
    await this.#eraseSlots(accountId, [decodeRecord<KeySlotRecord>(value)]);
  }

  /** Revokes every app password of the account (the recovery code stays); how many there were. */
  async revokeAppPasswords(accountId: string): Promise<number> {
    const slots = (await this.listKeySlots(accountId)).filter((slot) => slot.kind === 'app-password');
    if (slots.length > 0) await this.#eraseSlots(accountId, slots);
    return slots.length;
  }

  async #eraseSlots(accountId: string, slots: KeySlotRecord[]): Promise<void> {
    const ranges = slots.flatMap((slot) => [keyRange(keys.keySlot(accountId, slot.id)), keyRange(keys.verifier(slot.verifier))]);
    await erasing(this.#context.store.kv, ranges, () =>
      this.#context.writer.run(accountId, async (txn) => {
        for (const slot of slots) {
          txn.del(keys.keySlot(accountId, slot.id));
          txn.del(keys.verifier(slot.verifier));
        }
      }),
    );
    this.#context.events.publish({ type: 'key-slots-revoked', accountId, slotIds: slots.map((slot) => slot.id) });
  }

  /**
   * Unlocks a mailbox with an app password (or recovery code): a fast derivation, one
   * index lookup, one unwrap. Unknown address and wrong secret fail alike, with the same
   * work done, so the answer reveals nothing about which addresses exist.
   */
  async unlockWithAppSecret(
    address: string,
    secret: string,
    kind: 'app-password' | 'recovery' = 'app-password',
    /** The protocol asking; an app password scoped to others fails like a wrong one. */
    protocol?: AppPasswordScope,
  ): Promise<UnlockedSession> {
    const crypto = this.#context.crypto;
    const failure = () => new MailError('AUTHENTICATION_FAILED', 'invalid address or app password');
    let derived: DerivedSecret;
    try {
      derived = crypto.deriveFromAppSecret(secret, kind);
    } catch {
      throw failure();
    }
    try {
      const [indexValue, addressValue] = await this.#context.store.kv.getMany([
        keys.verifier(toHex(derived.verifier)),
        keys.address(normalizeAddress(address)),
      ]);
      if (!indexValue || !addressValue) throw failure();
      const index = decodeRecord<VerifierIndexRecord>(indexValue);
      if (new TextDecoder().decode(addressValue) !== index.accountId) throw failure();
      const [slotValue, accountValue] = await this.#context.store.kv.getMany([keys.keySlot(index.accountId, index.slotId), keys.account(index.accountId)]);
      if (!slotValue || !accountValue) throw failure();
      const slot = decodeRecord<KeySlotRecord>(slotValue);
      if (slot.kind !== kind) throw failure();
      if (protocol && slot.scope && !slot.scope.includes(protocol)) throw failure();
      const account = decodeRecord<AccountRecord>(accountValue);
      const masterKey = crypto.unwrapKey(fromBase64(slot.wrappedMasterKey), derived.kek, kind === 'recovery' ? 'recovery' : 'app-password');
      const sessionKeys = unlockWithMasterKey(crypto, masterKey, {
        passwordSlot: fromBase64(account.passwordSlot),
        publicKey: fromBase64(account.publicKey),
        encryptedPrivateKey: fromBase64(account.encryptedPrivateKey),
      });
      // The web client lets an account without credit in (recovery codes are its way in);
      // app passwords serve IMAP, POP3 and submission, which it may not use then.
      if (kind === 'app-password') {
        await this.#policy.admitLogin(index.accountId).catch((error: unknown) => {
          crypto.wipe(sessionKeys.masterKey, sessionKeys.privateKey);
          throw error;
        });
      }
      void this.#touchSlot(index.accountId, index.slotId);
      return { accountId: index.accountId, slotId: index.slotId, keys: sessionKeys };
    } catch (error) {
      if (error instanceof MailError) throw error;
      throw failure();
    } finally {
      crypto.wipe(derived.authKey, derived.kek);
    }
  }

  /** Replaces the password slot with one the client rewrapped; no message changes. The old
   * slot is erased from the store's files, so the old password and an old copy of the data
   * no longer open what arrives after the change. */
  async changePassword(accountId: string, update: { salt: Uint8Array; passwordVerifier: Uint8Array; passwordSlot: Uint8Array }): Promise<void> {
    await erasing(this.#context.store.kv, [keyRange(keys.account(accountId))], () =>
      this.#context.writer.run(accountId, async (txn) => {
        const value = await txn.get(keys.account(accountId));
        if (!value) throw new MailError('ACCOUNT_NONEXISTENT', 'no such account');
        const account = decodeRecord<AccountRecord>(value);
        account.kdf.salt = toBase64(update.salt);
        account.passwordVerifier = toBase64(update.passwordVerifier);
        account.passwordSlot = toBase64(update.passwordSlot);
        txn.put(keys.account(accountId), encodeRecord(account));
      }),
    );
  }

  /**
   * Deletes an account. First, durably, every key slot and the encrypted private key are
   * destroyed (crypto-shredding: from that instant no secret can open any message, even
   * one still in a backup); then messages, blobs, folders, addresses and its delivery-log
   * entries are removed.
   */
  async delete(accountId: string): Promise<void> {
    const kv = this.#context.store.kv;
    await this.get(accountId);
    // Holds the addresses back and prepares the erasure of what follows (account-policy.ts).
    const finishDeletion = await this.#policy.beginDeletion(accountId);
    await this.#context.writer.run(accountId, async (txn) => {
      const value = await txn.get(keys.account(accountId));
      if (!value) throw new MailError('ACCOUNT_NONEXISTENT', 'no such account');
      const account = decodeRecord<AccountRecord>(value);
      for (const slot of await this.listKeySlots(accountId)) {
        txn.del(keys.keySlot(accountId, slot.id));
        txn.del(keys.verifier(slot.verifier));
      }
      account.passwordSlot = '';
      account.passwordVerifier = '';
      account.encryptedPrivateKey = '';
      txn.put(keys.account(accountId), encodeRecord(account));
    });
    const blobPrefix = keys.blobRefsPrefix(accountId);
    const blobIds: string[] = [];
    for await (const [key] of kv.iterate({ gte: blobPrefix, lt: blobPrefix + END })) blobIds.push(key.slice(blobPrefix.length));
    // Deleted in groups: concurrent deletes share the blob store's durable writes.
    for (let start = 0; start < blobIds.length; start += BLOB_DELETES_AT_ONCE) {
      await Promise.all(blobIds.slice(start, start + BLOB_DELETES_AT_ONCE).map((blobId) => this.#context.store.blobs.delete(blobId)));
    }
    const addresses = await this.addresses(accountId);
    await kv.batch(addresses.map((address) => ({ type: 'del' as const, key: keys.address(address) })));
    for (const prefix of [
      keys.accountMessagePrefix(accountId),
      keys.accountExpungedPrefix(accountId),
      blobPrefix,
      keys.folderPrefix(accountId),
      keys.accountAddressPrefix(accountId),
      keys.keySlotPrefix(accountId),
    ]) {
      await kv.clearRange({ gte: prefix, lt: prefix + END });
    }
    await this.#deliveryLog.deleteAccount(accountId);
    await kv.batch([
      { type: 'del', key: keys.usage(accountId) },
      { type: 'del', key: keys.orphanSubscriptions(accountId) },
      { type: 'del', key: keys.userSettings(accountId) },
      { type: 'del', key: keys.account(accountId) },
    ]);
    await finishDeletion();
    this.#context.events.publish({ type: 'account-deleted', accountId });
  }

  #putSlot(
    txn: { put(key: string, value: Uint8Array): void },
    accountId: string,
    slotId: string,
    kind: KeySlotRecord['kind'],
    label: string,
    slot: SecretSlotMaterial,
    now: number,
    scope: AppPasswordScope[] | null = null,
  ): KeySlotRecord {
    const verifierHex = toHex(slot.verifier);
    const record: KeySlotRecord = {
      v: 1,
      id: slotId,
      kind,
      label,
      createdAt: now,
      lastUsedAt: null,
      verifier: verifierHex,
      wrappedMasterKey: toBase64(slot.wrappedMasterKey),
      scope,
    };
    txn.put(keys.keySlot(accountId, slotId), encodeRecord(record));
    txn.put(keys.verifier(verifierHex), encodeRecord({ accountId, slotId } satisfies VerifierIndexRecord));
    return record;
  }

  async #touchSlot(accountId: string, slotId: string): Promise<void> {
    const today = Math.floor(this.#context.clock.now() / DAY_MS) * DAY_MS;
    try {
      await this.#context.writer.run(accountId, async (txn) => {
        const value = await txn.get(keys.keySlot(accountId, slotId));
        if (!value) return;
        const slot = decodeRecord<KeySlotRecord>(value);
        if (slot.lastUsedAt === today) return;
        slot.lastUsedAt = today;
        txn.put(keys.keySlot(accountId, slotId), encodeRecord(slot));
      });
    } catch {
      // The last-used date is a convenience; a failed update must not fail the login.
    }
  }
}
