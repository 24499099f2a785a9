// Large mailboxes for the browser tests and the web benchmark. Delivering tens of thousands
// of messages through ingest (a blob file and an fsync each) would take minutes, so a few
// real deliveries are cloned into many index entries that share their ciphertext, exactly
// as IMAP COPY shares it: same blob (reference-counted), same sealed content key, same
// encrypted metadata; new UIDs, MODSEQs and arrival dates. The folder and usage counters
// are kept true, so the server sees a consistent mailbox.
import { keys } from '../../server/core/keys.ts';
import type { MailCore } from '../../server/core/mail-core.ts';
import { decodeRecord, encodeRecord, type FolderRecord, type MessageRecord, type UsageRecord } from '../../server/core/records.ts';
import type { KvOperation, Store } from '../../server/store/types.ts';

/** Index entries per durable batch: large batches, bounded memory. */
const BATCH = 5000;

export async function deliverSamples(core: MailCore, accountId: string, address: string, count: number): Promise<void> {
  for (let index = 0; index < count; index++) {
    const raw = [
      `From: Sender ${index} <sender${index}@example.org>`,
      `To: ${address}`,
      `Subject: Sample message number ${index}`,
      `Date: ${new Date(Date.UTC(2026, 0, 1 + index)).toUTCString()}`,
      `Message-ID: <sample-${index}@example.org>`,
      '',
      `Body of sample ${index}. `.repeat(20),
    ].join('\r\n');
    await core.ingest.deliver({
      source: 'mx',
      recipients: [{ accountId, address }],
      content: (async function* () {
        yield Buffer.from(raw);
      })(),
    });
  }
}

/** Grows a folder to `total` messages by cloning the ones it holds. */
export async function cloneToSize(core: MailCore, store: Store, accountId: string, folderId: string, total: number): Promise<void> {
  const { kv } = store;
  const originals = await core.messages.list(accountId, folderId);
  if (originals.length === 0) throw new Error('cloneToSize needs at least one real message to clone');
  const folder = decodeRecord<FolderRecord>((await kv.get(keys.folder(accountId, folderId)))!);
  const usage = decodeRecord<UsageRecord>((await kv.get(keys.usage(accountId)))!);
  const extraRefs = new Map<string, number>();
  const start = folder.uidNext;
  const clones = total - folder.messages;
  const newest = Math.max(...originals.map((record) => record.internalDate));
  let operations: KvOperation[] = [];
  for (let offset = 0; offset < clones; offset++) {
    const original = originals[offset % originals.length]!;
    const uid = start + offset;
    folder.highestModSeq += 1;
    const clone: MessageRecord = {
      ...original,
      uid,
      modSeq: folder.highestModSeq,
      internalDate: newest - (clones - offset) * 60_000,
      flags: offset % 3 === 0 ? [] : ['\\Seen'],
    };
    operations.push({ type: 'put', key: keys.message(accountId, folderId, uid), value: encodeRecord(clone) });
    extraRefs.set(original.blobId, (extraRefs.get(original.blobId) ?? 0) + 1);
    folder.messages += 1;
    folder.bytes += clone.size;
    if (clone.flags.length === 0) folder.unseen += 1;
    usage.messages += 1;
    usage.bytes += clone.size;
    if (operations.length >= BATCH) {
      await kv.batch(operations);
      operations = [];
    }
  }
  folder.uidNext = start + clones;
  for (const [blobId, extra] of extraRefs) {
    const current = await kv.get(keys.blobRefs(accountId, blobId));
    operations.push({ type: 'put', key: keys.blobRefs(accountId, blobId), value: encodeRecord((current ? decodeRecord<number>(current) : 1) + extra) });
  }
  operations.push({ type: 'put', key: keys.folder(accountId, folderId), value: encodeRecord(folder) });
  operations.push({ type: 'put', key: keys.usage(accountId), value: encodeRecord(usage) });
  await kv.batch(operations);
}
