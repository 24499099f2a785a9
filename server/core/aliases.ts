// Aliases: further addresses of a mailbox (docs/design.md, Defaults: up to 6 per mailbox, the
// first one included). Mail to any of them lands in the same mailbox; the address the
// account was created with cannot be removed.
import { normalizeAddress, splitAddress, validateNewAddress } from './addresses.ts';
import type { Accounts } from './accounts.ts';
import type { CoreContext } from './context.ts';
import type { Domains } from './domains.ts';
import { MailError } from './errors.ts';
import { keys } from './keys.ts';

export class Aliases {
  readonly #context: CoreContext;
  readonly #accounts: Accounts;
  readonly #domains: Domains;

  constructor(context: CoreContext, accounts: Accounts, domains: Domains) {
    this.#context = context;
    this.#accounts = accounts;
    this.#domains = domains;
  }

  async add(accountId: string, address: string): Promise<string> {
    const normalized = validateNewAddress(address);
    await this.#domains.requireLocal(splitAddress(normalized)!.domain);
    await this.#accounts.get(accountId);
    const limit = this.#context.limits.addressesPerMailbox;
    if ((await this.#accounts.addresses(accountId)).length >= limit) {
      throw new MailError('ADDRESS_LIMIT', `a mailbox has at most ${limit} addresses`);
    }
    // Claimed in the address's own queue, as account creation claims it, so that two
    // claims of one address are serialised whoever makes them.
    await this.#context.writer.run(`address:${normalized}`, async (txn) => {
      if (await txn.get(keys.address(normalized))) throw new MailError('ADDRESS_TAKEN', `${normalized} is already taken`);
      await this.#accounts.assertAddressAvailable(txn, normalized);
      txn.put(keys.address(normalized), new TextEncoder().encode(accountId));
      txn.put(keys.accountAddress(accountId, normalized), new Uint8Array(0));
    });
    return normalized;
  }

  async remove(accountId: string, address: string): Promise<void> {
    const normalized = normalizeAddress(address);
    const account = await this.#accounts.get(accountId);
    if (account.address === normalized) throw new MailError('INVALID_ARGUMENT', 'the address the account was created with cannot be removed');
    if (!(await this.#accounts.addresses(accountId)).includes(normalized))
      throw new MailError('ADDRESS_INVALID', `${normalized} is not an address of this mailbox`);
    await this.#context.writer.run(`address:${normalized}`, async (txn) => {
      txn.del(keys.address(normalized));
      txn.del(keys.accountAddress(accountId, normalized));
    });
  }
}
