// A mailbox export as one zip: one mboxrd file per folder at the folder's path
// ("INBOX.mbox", "Projects/2026.mbox"), written as a stream. Each output chunk is handed to
// the caller as soon as fflate produces it, so memory holds compressed chunks (the page
// turns them into Blob parts), never the whole mailbox as one string.
//
// Compression: deflate. What goes in is decrypted mail, mostly text, which shrinks to a
// third; even base64 attachments shrink by about a quarter (base64 carries 6 bits per
// byte). Deflating costs about 40 MB/s of page time, less than fetching the bodies over any
// real network, so it does not slow the export down; storing (ZipPassThrough) would only
// make the download about twice as large.
//
// The page loads this module (and fflate with it) by dynamic import when an export starts.
import { Zip, ZipDeflate } from 'fflate';
import { DEFAULT_FOLDER_NAMES, type DefaultFolderUse } from '../../../shared/default-folders.ts';
import { mboxEntry } from './mbox.ts';

/** zlib's default: within a few per cent of level 9 on mail, at most 20% slower than 1. */
const DEFLATE_LEVEL = 6;
/** Sizes and offsets in a zip without the Zip64 extension (which fflate does not write)
 * are 32-bit, and 0xFFFFFFFF itself means "see Zip64": every size and offset stays below. */
export const ZIP32_LIMIT = 0xffff_ffff;
/** Longest name of one path level in UTF-8 bytes: file systems allow 255; room is left for
 * ".mbox" and a " (12)" that tells duplicates apart. */
const MAX_SEGMENT_BYTES = 200;

/** Windows refuses these in names; control characters and the bidirectional overrides
 * (which can disguise a name's extension) are no better anywhere. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes from file names.
const UNSAFE_CHARACTERS = /[<>:"/\\|?*\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Device names Windows reserves, with or without an extension. */
const RESERVED_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

export class ArchiveTooLargeError extends Error {
  constructor() {
    super('the export is larger than a zip file can hold (4 GB): export fewer folders at a time, or as mbox files');
    this.name = 'ArchiveTooLargeError';
  }
}

/** A folder's path in the export, "/" between levels: a default folder without a name of
 * its own (its special use names it) by its IMAP name, any other by its decrypted name. */
export function exportFolderPath(folder: { specialUse: string | null; name: string; info: { encryptedName: string | null } }): string {
  // The archive uses the IMAP names whatever the page's language, as IMAP clients see them.
  const defaultName = folder.specialUse && !folder.info.encryptedName ? DEFAULT_FOLDER_NAMES[folder.specialUse as DefaultFolderUse] : undefined;
  return defaultName ?? folder.name;
}

/** One level of a folder path as a file or directory name every common system accepts. */
export function safeNameSegment(segment: string): string {
  let name = segment.normalize('NFC').replace(UNSAFE_CHARACTERS, '_').trim();
  // Windows drops trailing dots and spaces, which would make "a." and "a" collide, and
  // turns "." and ".." into paths that climb out of the archive's folder.
  name = name.replace(/[. ]+$/, '');
  if (name === '') name = '_';
  if (RESERVED_NAME.test(name)) name = `${name}_`;
  const encoder = new TextEncoder();
  if (encoder.encode(name).length > MAX_SEGMENT_BYTES) {
    let kept = '';
    for (const character of name) {
      if (encoder.encode(kept + character).length > MAX_SEGMENT_BYTES) break;
      kept += character;
    }
    name = kept;
  }
  return name;
}

/**
 * The .mbox file name of each folder, in the order given: "nested" keeps the hierarchy as
 * directories inside a zip, "flat" joins the levels with "-" for plain downloads. Names
 * that would collide on a case-insensitive file system (Windows, macOS), with each other
 * or with a directory, get " (2)", " (3)" …
 */
export function mboxFileNames(folderPaths: readonly string[], layout: 'nested' | 'flat'): string[] {
  const levels = folderPaths.map((path) => path.split('/').map(safeNameSegment));
  const taken = new Set<string>();
  if (layout === 'nested') {
    for (const segments of levels) {
      for (let depth = 1; depth < segments.length; depth++) taken.add(segments.slice(0, depth).join('/').toLowerCase());
    }
  }
  return levels.map((segments) => {
    const base = segments.join(layout === 'nested' ? '/' : '-');
    let name = `${base}.mbox`;
    for (let copy = 2; taken.has(name.toLowerCase()); copy++) name = `${base} (${copy}).mbox`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** "sealpost-alice@sealpost.test-2026-03-01.zip", dated in the user's own time zone. */
export function exportArchiveName(address: string, now: Date): string {
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  return `sealpost-${safeNameSegment(address)}-${day}.zip`;
}

/**
 * The zip being written: open a folder's file, add its messages, open the next …, finish.
 * Chunks reach `onChunk` in archive order; after finish() resolves, they are the whole zip.
 */
export class MailboxZipWriter {
  readonly #zip: Zip;
  readonly #limit: number;
  #file: ZipDeflate | null = null;
  #fileBytes = 0;
  #written = 0;
  #failure: Error | null = null;
  #finished: Promise<void>;

  /** `limit` bounds every size and offset; only tests choose one below the format's. */
  constructor(onChunk: (chunk: Uint8Array) => void, limit = ZIP32_LIMIT) {
    this.#limit = limit;
    let settle!: { resolve: () => void; reject: (error: Error) => void };
    this.#finished = new Promise((resolve, reject) => (settle = { resolve, reject }));
    // A rejection nobody awaits yet (the caller awaits finish() last) must not be reported
    // as unhandled; finish() hands it on.
    this.#finished.catch(() => undefined);
    this.#zip = new Zip((error, chunk, final) => {
      if (error) {
        this.#failure = error;
        settle.reject(error);
        return;
      }
      this.#written += chunk.length;
      onChunk(chunk);
      if (final) settle.resolve();
    });
  }

  /** Ends the previous folder's file and starts the next. */
  openFolder(fileName: string): void {
    this.#endFile();
    this.#file = new ZipDeflate(fileName, { level: DEFLATE_LEVEL });
    this.#fileBytes = 0;
    this.#zip.add(this.#file);
    this.#check();
  }

  addMessage(raw: Uint8Array, internalDate: number): void {
    if (!this.#file) throw new Error('openFolder() comes before addMessage()');
    const entry = mboxEntry(raw, internalDate);
    this.#fileBytes += entry.length;
    if (this.#fileBytes >= this.#limit) throw new ArchiveTooLargeError();
    this.#file.push(entry);
    this.#check();
  }

  /** Writes the last file's end and the zip's directory; resolves once all is emitted. */
  async finish(): Promise<void> {
    this.#endFile();
    // The directory's offset is a 32-bit field as well.
    this.#check();
    this.#zip.end();
    await this.#finished;
  }

  /** Stops writing; chunks already emitted are the caller's to drop. */
  abort(): void {
    this.#zip.terminate();
  }

  #endFile(): void {
    this.#file?.push(new Uint8Array(0), true);
    this.#file = null;
  }

  #check(): void {
    if (this.#failure) throw this.#failure;
    // Every file's offset is a 32-bit field too: once the output reaches the limit, the
    // next file or the directory could not be addressed.
    if (this.#written >= this.#limit) throw new ArchiveTooLargeError();
  }
}
