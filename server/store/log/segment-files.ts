// Segment files on disk: `<root>/segments/<16-digit number>.seg`. Numbers only grow and are
// never reused, so a name always means the same bytes; a sealed segment (every one but the
// newest) never changes again until compaction unlinks it whole.

import { constants } from 'node:fs';
import { open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../types.ts';
import { encodeSegmentHeader } from './format.ts';

/** 16 digits: more segments than any disk will ever hold, and names sort numerically. */
const SEGMENT_NAME = /^(\d{16})\.seg$/;
/** Owner-only: segments are ciphertext, but their sizes and count are still nobody else's. */
export const FILE_MODE = 0o600;
export const DIRECTORY_MODE = 0o700;

export function segmentFileName(segment: number): string {
  return `${String(segment).padStart(16, '0')}.seg`;
}

export function segmentPath(directory: string, segment: number): string {
  return join(directory, segmentFileName(segment));
}

/** Every segment number present, in order. Other files are not ours and are left alone. */
export async function listSegments(directory: string): Promise<number[]> {
  const numbers: number[] = [];
  for (const name of await readdir(directory)) {
    const match = SEGMENT_NAME.exec(name);
    if (match) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => a - b);
}

/** Creates segment `segment` with its header, durably: file data and directory entry are
 * fsynced before the first record can depend on them. Returns it open for writing. */
export async function createSegment(directory: string, segment: number): Promise<FileHandle> {
  const handle = await open(segmentPath(directory, segment), constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
  try {
    const header = encodeSegmentHeader(segment);
    await writeFully(handle, [header], 0);
    await handle.datasync();
    await syncDirectory(directory);
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

export async function removeSegment(directory: string, segment: number): Promise<void> {
  try {
    await unlink(segmentPath(directory, segment));
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
}

export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes every byte of `buffers` at `position`, continuing after short writes. */
export async function writeFully(handle: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
  let remaining = buffers.filter((buffer) => buffer.length > 0);
  let at = position;
  while (remaining.length > 0) {
    const { bytesWritten } = await handle.writev(remaining, at);
    at += bytesWritten;
    remaining = dropWritten(remaining, bytesWritten);
  }
}

/** Reads exactly `target.length` bytes at `position` unless the file ends first; returns how
 * many were read. */
export async function readFully(handle: FileHandle, target: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < target.length) {
    const { bytesRead } = await handle.read(target, filled, target.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** What is left of `buffers` after a (possibly short) vectored write of `written` bytes. */
function dropWritten(buffers: Uint8Array[], written: number): Uint8Array[] {
  let skip = written;
  let index = 0;
  while (index < buffers.length && skip >= (buffers[index] as Uint8Array).length) {
    skip -= (buffers[index] as Uint8Array).length;
    index++;
  }
  const rest = buffers.slice(index);
  if (skip > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(skip);
  return rest;
}

export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function asStoreError(error: unknown, operation: string): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError('IO', `blob ${operation} failed (${errnoCode(error) ?? 'unknown error'})`, { cause: error });
}
