// The mail core: mailbox semantics shared by every front-end (SMTP, IMAP, POP3, web API).
// Built from a store, the crypto core, an event bus and a clock; knows no protocol.
import type { SealpostCrypto } from '../../crypto/api.ts';
import type { Store } from '../store/types.ts';
import { AccountWriter } from './account-writer.ts';
import { AccountPolicy } from './account-policy.ts';
import { Accounts } from './accounts.ts';
import { AddressHolds } from './address-holds.ts';
import { Billing } from './billing/billing.ts';
import { FREE_SERVICE_POLICY, type ServicePolicy } from './billing/settings.ts';
import { AccountStanding } from './billing/standing.ts';
import { Aliases } from './aliases.ts';
import { systemClock, type Clock, type CoreContext, type CoreLimits } from './context.ts';
import { DeletionWatch } from './deletion-watch.ts';
import { DeliveryLog } from './delivery-log.ts';
import { Domains } from './domains.ts';
import { InProcessMailEvents, type MailEvents } from './events.ts';
import { Folders } from './folders.ts';
import { FolderTree } from './folder-tree.ts';
import { Ingest } from './ingest.ts';
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

export class MailCore {
  readonly context: CoreContext;
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

  constructor(options: MailCoreOptions) {
    this.context = {
      store: options.store,
      crypto: options.crypto,
      writer: new AccountWriter(options.store.kv),
      events: options.events ?? new InProcessMailEvents(),
      clock: options.clock ?? systemClock,
      limits: options.limits,
    };
    this.domains = new Domains(this.context);
    this.folders = new Folders(this.context);
    this.deliveryLog = new DeliveryLog(this.context);
    const policy = options.policy ?? FREE_SERVICE_POLICY;
    this.statistics = new Statistics(this.context);
    this.addressHolds = new AddressHolds(this.context, policy.lifecycle.addressHoldDays);
    this.standing = new AccountStanding(this.context, policy);
    this.billing = policy.billing ? new Billing(this.context, policy.billing, policy.lifecycle, this.statistics) : null;
    const accountPolicy = new AccountPolicy(this.context, {
      holds: this.addressHolds,
      standing: this.standing,
      billing: this.billing,
      statistics: this.statistics,
      deliveryLog: this.deliveryLog,
    });
    this.accounts = new Accounts(this.context, this.domains, this.folders, this.deliveryLog, accountPolicy);
    this.messages = new Messages(this.context);
    this.mailbox = new Mailbox(this.context, new DeletionWatch(this.context, policy.lifecycle.deletionNoticeThreshold, () => this.notices));
    this.folderTree = new FolderTree(this.context, this.folders, this.mailbox, this.messages);
    this.ingest = new Ingest(this.context, this.accounts, this.folders, this.deliveryLog, this.standing, this.statistics);
    this.notices = new Notices(this.context, this.accounts, this.ingest, policy.lifecycle.noticeSender);
    this.lifecycle = new Lifecycle(this.context, policy.lifecycle, {
      accounts: this.accounts,
      billing: this.billing,
      standing: this.standing,
      notices: this.notices,
    });
    this.aliases = new Aliases(this.context, this.accounts, this.domains);
    this.userSettings = new UserSettings(this.context);
  }

  get events(): MailEvents {
    return this.context.events;
  }
}
