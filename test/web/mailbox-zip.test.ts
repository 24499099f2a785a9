// The webmail's mailbox export (client/src/lib/mailbox-zip.ts, mbox.ts), run in Node and
// read back by Python's zipfile and mailbox modules, an independent reader: every message
// comes back byte for byte (after the mboxrd quoting is undone, with LF line ends), "From "
// lines do not split messages, folder paths become safe, unique names, and a zip that would
// outgrow the 32-bit format is refused instead of written broken.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArchiveTooLargeError,
  exportArchiveName,
  exportFolderPath,
  MailboxZipWriter,
  mboxFileNames,
  safeNameSegment,
} from '../../client/src/lib/mailbox-zip.ts';
import { DEFAULT_FOLDER_NAMES } from '../../server/core/folders.ts';
import { readMailboxExport, unquoteMboxrd, type ExportedFile } from '../helpers/mailbox-export.ts';

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

/** Every byte value, in 8-bit body lines: nothing may be re-encoded on the way. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, value) => value).filter((value) => value !== 0x0a && value !== 0x0d));

const INBOX_MESSAGES = [
  {
    date: Date.UTC(2026, 2, 1, 9, 5, 7),
    raw: Buffer.concat([
      crlf(
        'From: Ann <ann@example.org>',
        'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'From here on, a line an mbox reader would split at.',
        '>From a line quoted once already',
        '>>From and twice',
        'Fromage is no separator',
        'Price: 5 \u00e2\u0082\u00ac',
        '',
      ),
      ALL_BYTES,
      crlf('', 'no newline at the end'),
    ]),
  },
  { date: Date.UTC(2026, 2, 2, 18, 0, 0), raw: Buffer.from('From: Bob <bob@example.org>\nSubject: LF only\n\nFrom Bob, with LF line ends.\n', 'latin1') },
];
const PROJECT_MESSAGES = [
  {
    date: Date.UTC(2025, 11, 24, 23, 59, 59),
    raw: crlf('From: Carol <carol@example.org>', 'Subject: Plan 2026', '', 'From the desk of Carol:', 'the plan.', ''),
  },
];

/** The message as an mbox reader gives it back: LF line ends, ending in a line end. */
function expectedBack(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r\n/g, '\n');
  return Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'latin1');
}

async function readBack(chunks: Uint8Array[]): Promise<Record<string, ExportedFile>> {
  const directory = await mkdtemp(join(tmpdir(), 'sealpost-export-'));
  try {
    const path = join(directory, 'export.zip');
    await writeFile(path, Buffer.concat(chunks));
    return await readMailboxExport(path);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('mailbox export: the zip', () => {
  test('Python reads every folder and every message back exactly', async () => {
    const folders = [
      { path: 'INBOX', messages: INBOX_MESSAGES },
      { path: 'Projekte/Grüße: 2026', messages: PROJECT_MESSAGES },
      { path: 'Archive', messages: [] },
    ];
    const names = mboxFileNames(
      folders.map((folder) => folder.path),
      'nested',
    );
    assert.deepEqual(names, ['INBOX.mbox', 'Projekte/Grüße_ 2026.mbox', 'Archive.mbox']);
    const chunks: Uint8Array[] = [];
    const writer = new MailboxZipWriter((chunk) => chunks.push(chunk));
    for (const [index, folder] of folders.entries()) {
      writer.openFolder(names[index]!);
      for (const message of folder.messages) writer.addMessage(message.raw, message.date);
    }
    await writer.finish();
    const exported = await readBack(chunks);
    assert.deepEqual(Object.keys(exported), names, 'one entry per folder, in order, empty folders too');
    for (const [index, folder] of folders.entries()) {
      const file = exported[names[index]!]!;
      assert.equal(file.compression, 8, 'deflated');
      assert.equal(file.messages.length, folder.messages.length, `${names[index]}: no message split or lost`);
      for (const [position, message] of folder.messages.entries()) {
        const back = file.messages[position]!;
        assert.deepEqual(unquoteMboxrd(back.bytes), expectedBack(message.raw), `${names[index]} message ${position}`);
        assert.equal(back.fromLine, `MAILER-DAEMON ${asctimeOf(message.date)}`);
      }
    }
    assert.equal(exported['Projekte/Grüße_ 2026.mbox']!.utf8Name, true, 'non-ASCII names are marked UTF-8');
    const quoted = exported['INBOX.mbox']!.messages[0]!.bytes.toString('latin1');
    assert.match(quoted, /^>From here on/m, 'a body "From " line is quoted');
    assert.match(quoted, /^>>From a line quoted once/m);
    assert.match(quoted, /^>>>From and twice/m);
    assert.match(quoted, /^Fromage/m, '"Fromage" is left alone');
    assert.ok(exported['INBOX.mbox']!.messages[0]!.bytes.includes(ALL_BYTES), 'bytes 0x80–0xff arrive unchanged');
  });

  test('output streams out while messages are added, and is much smaller than mail text', async () => {
    const chunks: Uint8Array[] = [];
    const writer = new MailboxZipWriter((chunk) => chunks.push(chunk));
    writer.openFolder('INBOX.mbox');
    let input = 0;
    for (let index = 0; index < 2000; index++) {
      const raw = crlf(
        `From: Sender ${index} <s${index}@example.org>`,
        `Subject: Report ${index}`,
        '',
        `Dear reader, this is report number ${index} of the quarter.`.repeat(8),
        '',
      );
      input += raw.length;
      writer.addMessage(raw, Date.UTC(2026, 0, 1) + index * 60_000);
    }
    const beforeFinish = chunks.reduce((total, chunk) => total + chunk.length, 0);
    assert.ok(beforeFinish > 0, 'chunks were handed out before finish()');
    await writer.finish();
    const output = chunks.reduce((total, chunk) => total + chunk.length, 0);
    assert.ok(output < input / 3, `${input} bytes of mail became ${output} bytes of zip`);
    assert.equal((await readBack(chunks))['INBOX.mbox']!.messages.length, 2000);
  });

  test('a file or an archive beyond the limit is refused, not written broken', async () => {
    const small = new MailboxZipWriter(() => undefined, 1000);
    small.openFolder('INBOX.mbox');
    small.addMessage(Buffer.alloc(600, 'a'), 0);
    assert.throws(() => small.addMessage(Buffer.alloc(600, 'a'), 0), ArchiveTooLargeError, 'one file past the limit');

    const archive = new MailboxZipWriter(() => undefined, 5000);
    const addFolders = async () => {
      for (let index = 0; index < 3; index++) {
        archive.openFolder(`folder ${index}.mbox`);
        archive.addMessage(randomBytes(3000), 0);
      }
      await archive.finish();
    };
    await assert.rejects(addFolders, ArchiveTooLargeError, 'files each under the limit, together past it');
  });
});

describe('mailbox export: names', () => {
  test('folder paths become safe names, levels kept as directories in the zip', () => {
    assert.deepEqual(
      mboxFileNames(
        [
          'INBOX',
          'Sent',
          'Projects/2026',
          'Projects',
          'Reports: Q1',
          'a\\b',
          'tab\there',
          'con',
          'LPT1.backup',
          'Con/sub',
          'Trailing. ',
          '..',
          '../../etc',
          '\u202etxt.exe',
          ' padded ',
        ],
        'nested',
      ),
      [
        'INBOX.mbox',
        'Sent.mbox',
        'Projects/2026.mbox',
        'Projects.mbox',
        'Reports_ Q1.mbox',
        'a_b.mbox',
        'tab_here.mbox',
        'con_.mbox',
        'LPT1.backup_.mbox',
        'Con_/sub.mbox',
        'Trailing.mbox',
        '_.mbox',
        '_/_/etc.mbox',
        '_txt.exe.mbox',
        'padded.mbox',
      ],
    );
    assert.deepEqual(mboxFileNames(['Projects/2026', 'Inbox'], 'flat'), ['Projects-2026.mbox', 'Inbox.mbox']);
  });

  test('names that collide on a case-insensitive disk are told apart', () => {
    assert.deepEqual(mboxFileNames(['Work', 'work', 'WORK'], 'nested'), ['Work.mbox', 'work (2).mbox', 'WORK (3).mbox']);
    assert.deepEqual(mboxFileNames(['a:b', 'a?b'], 'nested'), ['a_b.mbox', 'a_b (2).mbox'], 'equal once made safe');
    assert.deepEqual(mboxFileNames(['Gru\u0308ße', 'Grüße'], 'nested'), ['Grüße.mbox', 'Grüße (2).mbox'], 'equal once normalised');
    assert.deepEqual(mboxFileNames(['X.mbox/child', 'X'], 'nested'), ['X.mbox/child.mbox', 'X (2).mbox'], "a file may not take a directory's name");
    assert.deepEqual(mboxFileNames(['Projects/2026', 'Projects-2026'], 'flat'), ['Projects-2026.mbox', 'Projects-2026 (2).mbox']);
  });

  test('long names are cut on a character boundary, well within file-system limits', () => {
    const accents = safeNameSegment('é'.repeat(150));
    assert.equal(accents, 'é'.repeat(100));
    const emoji = safeNameSegment('😀'.repeat(60));
    assert.equal(emoji, '😀'.repeat(50), 'no surrogate pair is split');
    for (const name of mboxFileNames(['é'.repeat(300), '😀'.repeat(300)], 'nested')) assert.ok(Buffer.byteLength(name) <= 255, name);
  });

  test('the archive is named after the address and the local date', () => {
    assert.equal(exportArchiveName('alice@sealpost.test', new Date(2026, 2, 1, 23, 30)), 'sealpost-alice@sealpost.test-2026-03-01.zip');
  });

  test("default folders are exported under their IMAP names, whatever the page's language", () => {
    for (const [specialUse, imapName] of Object.entries(DEFAULT_FOLDER_NAMES)) {
      assert.equal(exportFolderPath({ specialUse, name: 'Posteingang', info: { encryptedName: null } }), imapName);
    }
    assert.equal(
      exportFolderPath({ specialUse: '\\Archive', name: 'Ablage/2025', info: { encryptedName: 'sealed' } }),
      'Ablage/2025',
      'a named folder keeps its name',
    );
    assert.equal(exportFolderPath({ specialUse: null, name: 'Projects/2026', info: { encryptedName: 'sealed' } }), 'Projects/2026');
  });
});

/** The separator's date as mbox(5) writes it, computed independently of mbox.ts. */
function asctimeOf(time: number): string {
  const [weekday, day, month, year, clock] = new Date(time).toUTCString().replace(',', '').split(' ');
  return `${weekday} ${month} ${String(Number(day)).padStart(2, ' ')} ${clock} ${year}`;
}
