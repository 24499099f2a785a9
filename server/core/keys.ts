// The key layout of the ordered key-value store. One place names every key so that range
// scans, backups and deletions agree. Numbers are fixed-width so lexicographic order is
// numeric order. Ids are lowercase hex. Nothing here ever contains plaintext the user owns:
// account addresses are the only names (docs/design.md promise 1 allows them).
import { KEY_END } from '../store/types.ts';

/** 10 digits hold every 32-bit UID (RFC 3501 UIDs are 32-bit unsigned). */
const pad10 = (n: number) => n.toString().padStart(10, '0');
/** 16 digits hold MODSEQs far beyond 2^53 increments a mailbox will ever see. */
const pad16 = (n: number) => n.toString().padStart(16, '0');

/** [prefix, prefix + END) spans everything under prefix (server/store/types.ts). */
export const END = KEY_END;

/** 'bloblog/' is taken by the blob store's own index (server/store/open.ts,
 * BLOB_LOG_INDEX_PREFIX) and 'outq/' by the outbound queue (server/queue/keys.ts): no key
 * here may start with either. */
export const keys = {
  domain: (name: string) => `domain/${name}`,
  domainPrefix: () => 'domain/',

  account: (accountId: string) => `acct/${accountId}`,
  accountPrefix: () => 'acct/',
  usage: (accountId: string) => `usage/${accountId}`,

  address: (address: string) => `addr/${address}`,
  addressPrefix: () => 'addr/',
  accountAddress: (accountId: string, address: string) => `acctaddr/${accountId}/${address}`,
  accountAddressPrefix: (accountId: string) => `acctaddr/${accountId}/`,

  /** Key slots other than the password slot (which lives in the account record). */
  keySlot: (accountId: string, slotId: string) => `slot/${accountId}/${slotId}`,
  keySlotPrefix: (accountId: string) => `slot/${accountId}/`,
  /** Verifier index of app passwords and recovery codes: O(1) login. */
  verifier: (verifierHex: string) => `verifier/${verifierHex}`,

  folder: (accountId: string, folderId: string) => `folder/${accountId}/${folderId}`,
  folderPrefix: (accountId: string) => `folder/${accountId}/`,

  message: (accountId: string, folderId: string, uid: number) => `msg/${accountId}/${folderId}/${pad10(uid)}`,
  messagePrefix: (accountId: string, folderId: string) => `msg/${accountId}/${folderId}/`,
  accountMessagePrefix: (accountId: string) => `msg/${accountId}/`,

  /** Tombstones of expunged UIDs, ordered by the MODSEQ of their removal so that QRESYNC
   * "VANISHED since MODSEQ n" is one range scan. */
  expunged: (accountId: string, folderId: string, modSeq: number, uid: number) => `gone/${accountId}/${folderId}/${pad16(modSeq)}/${pad10(uid)}`,
  expungedPrefix: (accountId: string, folderId: string) => `gone/${accountId}/${folderId}/`,
  accountExpungedPrefix: (accountId: string) => `gone/${accountId}/`,

  /** Subscriptions to names that have no folder (RFC 3501 6.3.6: a subscription outlives
   * its mailbox); one record of encrypted names. Subscriptions of existing folders are a
   * field of the folder record. */
  orphanSubscriptions: (accountId: string) => `subs/${accountId}`,

  /** The web client's settings (signature, trusted senders …), encrypted by the browser
   * under a key wrapped for the masterKey; the server holds only ciphertext. */
  userSettings: (accountId: string) => `usersettings/${accountId}`,

  /** Reference count of a body blob shared by copies of a message (COPY keeps ciphertext). */
  blobRefs: (accountId: string, blobId: string) => `blobref/${accountId}/${blobId}`,
  blobRefsPrefix: (accountId: string) => `blobref/${accountId}/`,

  /** Delivery log by UTC day first, so the retention job drops whole days with one range. */
  deliveryLog: (day: string, accountId: string, entryId: string) => `dlog/${day}/${accountId}/${entryId}`,
  deliveryLogDayPrefix: (day: string) => `dlog/${day}/`,
  deliveryLogPrefix: () => 'dlog/',

  /** Prepaid credit of an account (core/billing/): balance, plan, lifecycle state. */
  billing: (accountId: string) => `billing/${accountId}`,
  /** Ledger lines by day; `entry` is unique within the day. */
  ledgerEntry: (accountId: string, day: string, entry: string) => `ledger/${accountId}/${day}/${entry}`,
  ledgerPrefix: (accountId: string) => `ledger/${accountId}/`,
  receipt: (accountId: string, number: string) => `receipt/${accountId}/${number}`,
  receiptPrefix: (accountId: string) => `receipt/${accountId}/`,
  /** Pending payment codes by the SHA-256 of the code: key names may outlive an erased
   * record in LevelDB's bookkeeping, and a hash there links nothing to a mailbox. */
  paymentCode: (codeHash: string) => `paycode/${codeHash}`,
  paymentCodePrefix: () => 'paycode/',
  /** Vouchers by their public selector (the code's first characters). */
  voucher: (selector: string) => `voucher/${selector}`,
  /** Last login day and the inactivity rule's state (only while that rule is on). */
  activity: (accountId: string) => `activity/${accountId}`,
  /** Hourly counts of deletions over the last 24 hours (core/deletion-watch.ts). */
  deletionWatch: (accountId: string) => `delwatch/${accountId}`,
  /** Addresses of deleted accounts held back from registration, by SHA-256 of the address. */
  addressHold: (addressHash: string) => `hold/${addressHash}`,
  addressHoldPrefix: () => 'hold/',
  /** Anonymous daily totals (core/statistics.ts): no key or value names a mailbox. */
  dailyStats: (day: string) => `stats/${day}`,
  dailyStatsPrefix: () => 'stats/',
  /** Per Junk/Trash folder, the folder's UIDNEXT at the start of past days: UIDs rise in
   * the order messages entered the folder, so this dates every arrival to the day without
   * a field in each message (server/jobs/retention.ts). */
  folderCheckpoints: (accountId: string, folderId: string) => `retmark/${accountId}/${folderId}`,
  folderCheckpointsPrefix: (accountId: string) => `retmark/${accountId}/`,
  /** When each scheduled job last ran (server/jobs/scheduler.ts). */
  jobState: (job: string) => `job/${job}`,

  pad10,
  pad16,
};
