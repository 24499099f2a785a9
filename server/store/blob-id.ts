// Blob ids: chosen by the store, random, URL-safe, and checked on every use so that an id
// can never name a path outside the blob directory.

import { randomBytes } from 'node:crypto';
import type { BlobId } from './types.ts';
import { StoreError } from './types.ts';

/** 160 random bits: collisions are out of reach for any number of blobs a server will hold,
 * and the id reveals nothing (no time, no order). */
const BLOB_ID_BYTES = 20;
const BLOB_ID = /^[0-9a-f]{40}$/;

export function newBlobId(): BlobId {
  return randomBytes(BLOB_ID_BYTES).toString('hex');
}

export function isBlobId(value: unknown): value is BlobId {
  return typeof value === 'string' && BLOB_ID.test(value);
}

export function assertBlobId(value: unknown): asserts value is BlobId {
  if (!isBlobId(value)) throw new StoreError('INVALID_ARGUMENT', 'blob id must be 40 lowercase hex characters');
}
