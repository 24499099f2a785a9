// Mailbox exports (zip of mbox files, or one mbox) read back by Python's zipfile and mailbox
// modules (read-mailbox-export.py), with the mboxrd quoting undone.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./read-mailbox-export.py', import.meta.url));

export interface ExportedFile {
  /** 8 for deflate, 0 for stored; absent for a plain .mbox file. */
  compression?: number;
  /** Whether the zip marks the name as UTF-8. */
  utf8Name?: boolean;
  messages: { fromLine: string; bytes: Buffer }[];
}

/** Every mbox file of the export at `path` (.zip or .mbox), by name. */
export function readMailboxExport(path: string): Promise<Record<string, ExportedFile>> {
  return new Promise((resolve, reject) => {
    execFile('python3', [SCRIPT, path], { timeout: 30_000, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`python3 could not read ${path}: ${stderr || error.message}`));
      const parsed = JSON.parse(stdout) as Record<string, Omit<ExportedFile, 'messages'> & { messages: { fromLine: string; bytes: string }[] }>;
      resolve(
        Object.fromEntries(
          Object.entries(parsed).map(([name, file]) => [
            name,
            { ...file, messages: file.messages.map((message) => ({ fromLine: message.fromLine, bytes: Buffer.from(message.bytes, 'latin1') })) },
          ]),
        ),
      );
    });
  });
}

/** Undoes mboxrd quoting: one ">" less on every line that matches /^>+From /. */
export function unquoteMboxrd(message: Buffer): Buffer {
  return Buffer.from(message.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
}
