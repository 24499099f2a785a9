// Opening the log after a clean close or a crash: scans from the index checkpoint to the end
// of the log, collects the COMMIT, RELOCATE and DELETE records the index has not seen, and
// cuts the log at the first record that is not intact (a torn tail: bytes that were being
// written when the process or machine stopped).
//
// Why cutting there loses nothing acknowledged: a commit is acknowledged only after an
// fdatasync that began once every earlier-reserved write had completed (segment-log.ts), so
// everything before an acknowledged record is intact. The first bad record therefore lies
// after every acknowledged one, and so does everything behind it, including later segments.
//
// Only the tail is scanned: segments before the checkpoint's are sealed and indexed. A
// checkpoint naming a segment that is gone, or a gap among the scanned segments, means the
// directory was damaged or mixed with another store's, and open refuses rather than guess.

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { StoreError } from '../types.ts';
import type { IndexChange } from './blob-index.ts';
import { decodeLocation, isSegmentHeader, RECORD_HEADER_BYTES, RecordType, SEGMENT_HEADER_BYTES, type LogPosition } from './format.ts';
import { readFully, removeSegment, segmentPath, syncDirectory } from './segment-files.ts';
import { scanRecords } from './segment-scan.ts';

export interface RecoveredLog {
  /** Changes after the checkpoint, in log order, each with the position just past it. */
  changes: { change: IndexChange; end: LogPosition }[];
  /** The end of the intact log, undefined when there is no segment. */
  end: LogPosition | undefined;
  /** The segments that remain, in order. */
  segments: number[];
  /** The number the next segment must have: numbers stay contiguous after the checkpoint
   * (a gap there means damage), so it follows the last segment that remains. */
  nextSegment: number;
}

export async function recoverLog(directory: string, segments: readonly number[], checkpoint: LogPosition | undefined): Promise<RecoveredLog> {
  if (segments.length === 0) {
    if (checkpoint) throw new StoreError('IO', `blob log: the index names segment ${checkpoint.segment} but there are no segments`);
    return { changes: [], end: undefined, segments: [], nextSegment: 1 };
  }
  const first = checkpoint ? segments.indexOf(checkpoint.segment) : 0;
  if (first < 0) throw new StoreError('IO', `blob log: segment ${checkpoint?.segment} named by the index is missing`);

  const changes: RecoveredLog['changes'] = [];
  let end: LogPosition | undefined;
  for (let index = first; index < segments.length; index++) {
    const segment = segments[index] as number;
    if (index > first && segment !== (segments[index - 1] as number) + 1) {
      throw new StoreError('IO', `blob log: segment ${(segments[index - 1] as number) + 1} is missing`);
    }
    const handle = await open(segmentPath(directory, segment), constants.O_RDWR);
    try {
      const size = (await handle.stat()).size;
      let from: number;
      if (checkpoint && index === first) {
        if (checkpoint.offset > size) throw new StoreError('IO', `blob log: segment ${segment} is shorter than the index says`);
        from = checkpoint.offset;
      } else {
        const header = new Uint8Array(SEGMENT_HEADER_BYTES);
        const read = await readFully(handle, header, 0);
        if (read < SEGMENT_HEADER_BYTES || !isSegmentHeader(header, segment)) {
          // The crash came while this segment was being created, before any record could
          // be written to it.
          await removeSegments(directory, segments.slice(index));
          return { changes, end, segments: segments.slice(0, index), nextSegment: segment };
        }
        from = SEGMENT_HEADER_BYTES;
      }
      const intactEnd = await scanRecords(handle, from, size, { verify: true }, ({ header, offset, payload }) => {
        const recordEnd = { segment, offset: offset + RECORD_HEADER_BYTES + header.payloadLength };
        if (header.type === RecordType.commit || header.type === RecordType.relocate) {
          const type = header.type === RecordType.commit ? 'commit' : 'relocate';
          changes.push({ change: { type, id: header.id, location: decodeLocation(payload) }, end: recordEnd });
        } else if (header.type === RecordType.delete) {
          changes.push({ change: { type: 'delete', id: header.id }, end: recordEnd });
        }
      });
      end = { segment, offset: intactEnd };
      if (intactEnd < size) {
        // Later segments go first: were the cut made first and the process stopped, the
        // next open would take their records for a continuation of the cut segment.
        await removeSegments(directory, segments.slice(index + 1));
        await handle.truncate(intactEnd);
        await handle.datasync();
        return { changes, end, segments: segments.slice(0, index + 1), nextSegment: segment + 1 };
      }
    } finally {
      await handle.close();
    }
  }
  return { changes, end, segments: [...segments], nextSegment: (segments[segments.length - 1] as number) + 1 };
}

async function removeSegments(directory: string, segments: readonly number[]): Promise<void> {
  if (segments.length === 0) return;
  for (const segment of segments) await removeSegment(directory, segment);
  await syncDirectory(directory);
}
