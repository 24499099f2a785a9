// Searches every file under a directory for a byte string: the proof behind the privacy
// promises (no canary plaintext at rest, no client address in data or logs).
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ByteHit {
  file: string;
  offset: number;
  /** Up to 400 bytes before the hit, as latin1 text, to tell what record holds it. */
  before: string;
}

export async function* filesUnder(directory: string): AsyncIterable<string> {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

export async function searchBytes(directory: string, needle: string | Uint8Array): Promise<ByteHit[]> {
  const pattern = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : Buffer.from(needle);
  const hits: ByteHit[] = [];
  let filesSearched = 0;
  for await (const file of filesUnder(directory)) {
    filesSearched += 1;
    const contents = await readFile(file);
    let offset = contents.indexOf(pattern);
    while (offset >= 0) {
      hits.push({ file, offset, before: contents.subarray(Math.max(0, offset - 400), offset).toString('latin1') });
      offset = contents.indexOf(pattern, offset + 1);
    }
  }
  if (filesSearched === 0) throw new Error(`nothing to search under ${directory}`);
  return hits;
}
