// The mail core: mailbox semantics shared by every front-end (SMTP, IMAP, POP3, web API).
// Built from a store, the crypto core, an event bus and a clock; knows no protocol.
import type { MailboxKeys, SealpostCrypto } from '../../crypto/api.ts';
import type { BlobCompaction, Store } from '../store/types.ts';
import { AccountWriter } from './account-writer.ts';
import { AccountPolicy } from './account-policy.ts';
import { Accounts } from './accounts.ts';
import { AddressHolds } from './address-holds.ts';
import { Billing } from './billing/billing.ts';
import { FREE_SERVICE_POLICY, type ServicePolicy } from './billing/settings.ts';
import { AccountStanding } from './billing/standing.ts';
import { Aliases } from './aliases.ts';
import { systemClock, type Clock, type CoreContext, type CoreLimits } from './context.ts';
import { PendingErasure } from './erasure.ts';
import { DeletionWatch } from './deletion-watch.ts';
import { DeliveryLog } from './delivery-log.ts';
import { Domains } from './domains.ts';
import { InProcessMailEvents, type MailEvents } from './events.ts';
import { FolderExpiry } from './folder-expiry.ts';
import { Folders } from './folders.ts';
import { FolderTree } from './folder-tree.ts';
import { Ingest } from './ingest.ts';
import { JobRuns } from './job-runs.ts';
import { Lifecycle } from './lifecycle.ts';
import { Mailbox } from './mailbox.ts';
import { Messages } from './messages.ts';
import { Notices } from './notices.ts';
import { Statistics } from './statistics.ts';
import { UserSettings } from './user-settings.ts';

export interface MailCoreOptions {
  store: Store;
  crypto: SealpostCrypto;
  limits: CoreLimits;
  events?: MailEvents;
  clock?: Clock;
  /** Billing and lifecycle rules; without them the service is free and accounts never expire. */
  policy?: ServicePolicy;
}

/** Front-ends, jobs and the queue reach mail only through these methods: the store, the
 * writer and the crypto core stay inside (one layer for every store access, which is what a
 * multi-node backend needs). */
export class MailCore {
  readonly #context: CoreContext;
  readonly clock: Clock;
  readonly domains: Domains;
  readonly folders: Folders;
  /** Named folders for sessions that hold the keys (IMAP, web API). */
  readonly folderTree: FolderTree;
  readonly accounts: Accounts;
  readonly messages: Messages;
  readonly mailbox: Mailbox;
  readonly deliveryLog: DeliveryLog;
  readonly ingest: Ingest;
  /** Further addresses of a mailbox. */
  readonly aliases: Aliases;
  /** Settings records the user's clients encrypt (the web client's). */
  readonly userSettings: UserSettings;
  /** Prepaid credit; null when the service is free. */
  readonly billing: Billing | null;
  /** Whether an account may log in with an app password and whether it receives mail. */
  readonly standing: AccountStanding;
  readonly lifecycle: Lifecycle;
  readonly addressHolds: AddressHolds;
  /** Anonymous daily totals; front-ends count what the core cannot see (messages sent). */
  readonly statistics: Statistics;
  readonly notices: Notices;
  /** Junk and Trash expiry by age, for the retention job. */
  readonly folderExpiry: FolderExpiry;
  /** When each daily job last ran, for the scheduler. */
  readonly jobRuns: JobRuns;

  constructor(options: MailCoreOptions) {
    const context: CoreContext = {
      store: options.store,
      crypto: options.crypto,
      writer: new AccountWriter(options.store.kv),
      events: options.events ?? new InProcessMailEvents(),
      pendingErasure: new PendingErasure(options.store.kv),
      clock: options.clock ?? systemClock,
      limits: options.limits,
    };
    this.#context = context;
    this.clock = context.clock;
    this.domains = new Domains(context);
    this.folders = new Folders(context);
    this.deliveryLog = new DeliveryLog(context);
    const policy = options.policy ?? FREE_SERVICE_POLICY;
    this.statistics = new Statistics(context);
    this.addressHolds = new AddressHolds(context, policy.lifecycle.addressHoldDays);
    this.standing = new AccountStanding(context, policy);
    this.billing = policy.billing ? new Billing(context, policy.billing, policy.lifecycle, this.statistics) : null;
    const accountPolicy = new AccountPolicy(context, {
      holds: this.addressHolds,
      standing: this.standing,
      billing: this.billing,
      statistics: this.statistics,
      deliveryLog: this.deliveryLog,
    });
    this.accounts = new Accounts(context, this.domains, this.folders, this.deliveryLog, accountPolicy);
    this.messages = new Messages(context);
    this.mailbox = new Mailbox(context, new DeletionWatch(context, policy.lifecycle.deletionNoticeThreshold, () => this.notices));
    this.folderTree = new FolderTree(context, this.folders, this.mailbox, this.messages);
    this.ingest = new Ingest(context, this.accounts, this.folders, this.deliveryLog, this.standing, this.statistics);
    this.notices = new Notices(context, this.accounts, this.ingest, policy.lifecycle.noticeSender);
    this.lifecycle = new Lifecycle(context, policy.lifecycle, {
      accounts: this.accounts,
      billing: this.billing,
      standing: this.standing,
      notices: this.notices,
    });
    this.aliases = new Aliases(context, this.accounts, this.domains);
    this.userSettings = new UserSettings(context);
    this.folderExpiry = new FolderExpiry(context, this.folders, this.mailbox);
    this.jobRuns = new JobRuns(context);
  }

  get events(): MailEvents {
    return this.#context.events;
  }

  /** Wipes the secret keys a login unlocked, once a session needs them no more. */
  wipeKeys(keys: MailboxKeys): void {
    this.#context.crypto.wipe(keys.masterKey, keys.privateKey);
  }

  /** Compacts the ranges of messages and folders deleted since the last call, so that their
   * records and content keys are gone from the store's files; how many ranges. */
  erasePendingDeletions(): Promise<number> {
    return this.#context.pendingErasure.run();
  }

  /** Gives the space of deleted messages' ciphertext back to the file system. */
  reclaimBlobSpace(): Promise<BlobCompaction> {
    return this.#context.store.blobs.compact();
  }
}
