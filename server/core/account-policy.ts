// What the service's policy adds to the life of an account, at the points where Accounts
// creates, unlocks and deletes one: held-back addresses, the first billing record, the
// login check for accounts without credit, and the erasure of everything a deleted account
// leaves in the store's files (docs/design.md promise 8).
import type { Transaction } from './account-writer.ts';
import type { AddressHolds } from './address-holds.ts';
import type { Billing } from './billing/billing.ts';
import type { AccountStanding } from './billing/standing.ts';
import type { CoreContext } from './context.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { erasing, keyRange, type KeyRange } from './erasure.ts';
import { END, keys } from './keys.ts';
import { decodeRecord, encodeRecord, type KeySlotRecord } from './records.ts';
import type { Statistics } from './statistics.ts';

export class AccountPolicy {
  readonly #context: CoreContext;
  readonly #holds: AddressHolds;
  readonly #standing: AccountStanding;
  readonly #billing: Billing | null;
  readonly #statistics: Statistics;
  readonly #deliveryLog: DeliveryLog;

  constructor(
    context: CoreContext,
    parts: { holds: AddressHolds; standing: AccountStanding; billing: Billing | null; statistics: Statistics; deliveryLog: DeliveryLog },
  ) {
    this.#context = context;
    this.#holds = parts.holds;
    this.#standing = parts.standing;
    this.#billing = parts.billing;
    this.#statistics = parts.statistics;
    this.#deliveryLog = parts.deliveryLog;
  }

  /** Inside the transaction claiming a new address (account or alias). */
  checkNewAddress(txn: Transaction, address: string): Promise<void> {
    return this.#holds.assertAvailable(txn, address);
  }

  /** Inside the transaction creating an account. */
  initialize(txn: Transaction, accountId: string, createdAt: number): void {
    if (this.#billing) txn.put(keys.billing(accountId), encodeRecord(this.#billing.initialRecord(createdAt)));
    txn.afterCommit(() => this.#statistics.count('signups'));
  }

  /** After an app password unlocked an account: refuses one without credit. */
  async admitLogin(accountId: string): Promise<void> {
    await this.#standing.assertMayLogIn(accountId);
    void this.#standing.recordLogin(accountId).catch(() => undefined);
  }

  /**
   * Before anything of an account is destroyed: holds its addresses back and flushes the
   * store (erasure.ts). Returns what finishes the deletion once Accounts removed the data:
   * the policy's own records go, and every range the account occupied is compacted so its
   * old values leave the store's files.
   */
  async beginDeletion(accountId: string): Promise<() => Promise<void>> {
    const { kv } = this.#context.store;
    const addresses = await this.#keysUnder(keys.accountAddressPrefix(accountId));
    const verifiers: string[] = [];
    for await (const [, value] of kv.iterate({ gte: keys.keySlotPrefix(accountId), lt: keys.keySlotPrefix(accountId) + END })) {
      verifiers.push(decodeRecord<KeySlotRecord>(value).verifier);
    }
    await this.#context.writer.run(accountId, async (txn) => this.#holds.hold(txn, addresses));
    const ranges: KeyRange[] = [
      ...[keys.account(accountId), keys.usage(accountId), keys.orphanSubscriptions(accountId), keys.userSettings(accountId)].map(keyRange),
      ...[
        keys.accountAddressPrefix(accountId),
        keys.keySlotPrefix(accountId),
        keys.folderPrefix(accountId),
        keys.accountMessagePrefix(accountId),
        keys.accountExpungedPrefix(accountId),
        keys.blobRefsPrefix(accountId),
      ].map((prefix) => ({ gte: prefix, lt: prefix + END })),
      // The whole address index, not each address: LevelDB's own LOG file names the bounds
      // of every range compacted, and a deleted address must not be left there.
      { gte: keys.addressPrefix(), lt: keys.addressPrefix() + END },
      ...verifiers.map((verifier) => keyRange(keys.verifier(verifier))),
      ...(await this.#deliveryLog.days()).map((day) => {
        const prefix = `${keys.deliveryLogDayPrefix(day)}${accountId}/`;
        return { gte: prefix, lt: prefix + END };
      }),
    ];
    // The flush: every value of the account sits in table files before the deletions come.
    await kv.compact(ranges[0]!);
    return async () => {
      await this.#billing?.forget(accountId);
      const own = [keys.activity(accountId), keys.deletionWatch(accountId)];
      const checkpoints = { gte: keys.folderCheckpointsPrefix(accountId), lt: keys.folderCheckpointsPrefix(accountId) + END };
      await erasing(kv, [...own.map(keyRange), checkpoints, ...ranges], async () => {
        await kv.batch(own.map((key) => ({ type: 'del' as const, key })));
        await kv.clearRange(checkpoints);
      });
      this.#statistics.count('accountsDeleted');
    };
  }

  async #keysUnder(prefix: string): Promise<string[]> {
    const found: string[] = [];
    for await (const [key] of this.#context.store.kv.iterate({ gte: prefix, lt: prefix + END })) found.push(key.slice(prefix.length));
    return found;
  }
}
