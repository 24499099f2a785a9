// Compaction: reclaims the space of deleted blobs (and of aborted writes) by copying the
// live blobs of a mostly-dead sealed segment to the end of the log, then unlinking it.
//
// Order of steps, and why a crash between any two is harmless:
//   1. copy each live blob (DATA records, then a RELOCATE record) — not yet durable: the
//      index still names the old copy, the new bytes are dead weight;
//   2. one fdatasync, then the index takes the RELOCATE records — the index names the new
//      copies; the old segment is still on disk (replay after a crash redoes this step);
//   3. check, from the index itself, that no blob still has bytes in the segment, unlink it
//      and fsync the directory, then drop its live-byte counter (a counter left behind by a
//      crash is dropped at open).
// A blob deleted while it is being copied stays deleted: its DELETE record comes before the
// RELOCATE record in the log, and a RELOCATE of a missing blob is ignored. A reader that
// looked a blob up just before step 2 either has the old segment open already (an unlinked
// file stays readable through an open handle) or fails to open it and looks up again.

import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { BlobCompaction, BlobId } from '../types.ts';
import { StoreError } from '../types.ts';
import { RecordType, SEGMENT_HEADER_BYTES, type BlobLocation, type LogPosition } from './format.ts';
import { listSegments, removeSegment, segmentPath, syncDirectory } from './segment-files.ts';
import { scanRecords } from './segment-scan.ts';

/** bytesReclaimed is the size of the segments unlinked; the copies of their live blobs take
 * some of it back. */
export interface CompactionReport extends BlobCompaction {
  /** Segments rewritten and unlinked. */
  segmentsCompacted: number;
}

/** What compaction needs of the blob store. */
export interface CompactionHost {
  segmentsDirectory: string;
  activeSegment(): number;
  checkpoint(): LogPosition | undefined;
  liveBytes(segment: number): number;
  /** True while a writer that has not committed yet has bytes in the segment. */
  heldByWriter(segment: number): boolean;
  /** True while a backup holds deleted blobs (BlobStore.hold): no segment may go. */
  holdActive(): boolean;
  locate(id: BlobId): Promise<BlobLocation | undefined>;
  /** Copies the blob to the end of the log; false when it was deleted meanwhile. */
  relocate(id: BlobId): Promise<boolean>;
  sync(): Promise<void>;
  /** Resolves once the index has taken every durable change. */
  indexed(): Promise<void>;
  forget(segment: number): Promise<void>;
}

export async function compactLog(host: CompactionHost, minDeadRatio: number): Promise<CompactionReport> {
  const report: CompactionReport = { segmentsCompacted: 0, blobsMoved: 0, bytesReclaimed: 0 };
  await host.indexed();
  // Segments sealed when the pass began: copies made by this pass land after them, so a
  // pass never chases its own tail.
  const firstUnsealed = host.activeSegment();
  for (const segment of await listSegments(host.segmentsDirectory)) {
    // Only sealed segments wholly behind the index checkpoint: every blob in them is
    // indexed, and the checkpoint never names a segment that is gone (recovery.ts).
    const checkpoint = host.checkpoint();
    if (!checkpoint || segment >= checkpoint.segment || segment >= firstUnsealed || host.holdActive()) break;
    if (host.heldByWriter(segment)) continue;
    const size = (await stat(segmentPath(host.segmentsDirectory, segment))).size;
    if ((size - host.liveBytes(segment)) / size < minDeadRatio) continue;

    const ids = await blobsWithBytesIn(host.segmentsDirectory, segment, size);
    for (const id of ids) {
      if (await hasBytesIn(host, id, segment)) {
        if (await host.relocate(id)) report.blobsMoved++;
      }
    }
    await host.sync();
    await host.indexed();
    // The counters only chose the segment; the index itself decides whether it may go.
    let stillUsed = false;
    for (const id of ids) if (await hasBytesIn(host, id, segment)) stillUsed = true;
    // Checked last, in the same tick as the unlink starts: a delete that begins later finds
    // only the new copies in the index, so nothing a hold keeps can be in this segment.
    if (stillUsed || host.holdActive()) continue;
    await removeSegment(host.segmentsDirectory, segment);
    await syncDirectory(host.segmentsDirectory);
    await host.forget(segment);
    report.segmentsCompacted++;
    report.bytesReclaimed += size;
  }
  return report;
}

async function hasBytesIn(host: CompactionHost, id: BlobId, segment: number): Promise<boolean> {
  const location = await host.locate(id);
  return location?.extents.some((extent) => extent.segment === segment) ?? false;
}

/** Every blob with a DATA record in the segment: a superset of those with bytes there. */
async function blobsWithBytesIn(directory: string, segment: number, size: number): Promise<Set<BlobId>> {
  const ids = new Set<BlobId>();
  const handle = await open(segmentPath(directory, segment), constants.O_RDONLY);
  try {
    // Sealed segments behind the checkpoint were written whole before it moved on, so a
    // record that does not parse is damage, not a torn write.
    const end = await scanRecords(handle, SEGMENT_HEADER_BYTES, size, { verify: false }, ({ header }) => {
      if (header.type === RecordType.data) ids.add(header.id);
    });
    if (end !== size) throw new StoreError('IO', `blob log: sealed segment ${segment} is damaged at offset ${end}`);
  } finally {
    await handle.close();
  }
  return ids;
}
