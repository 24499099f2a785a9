// One message as an mbox entry (mboxrd, the variant that quotes reversibly): a "From "
// separator line with the arrival date, body lines starting with ">*From " get one more
// ">", and a blank line ends the entry. Line endings become LF, as mbox readers expect.
// The work is done on bytes: a message may be 8-bit in any charset, and the browser's
// "latin1" TextDecoder is really windows-1252, which would change bytes 0x80–0x9F.

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x3e; // ">"
const FROM_SPACE = [0x46, 0x72, 0x6f, 0x6d, 0x20]; // "From "

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The separator's date in asctime() form, UTC ("Thu Jan  1 10:00:00 2026"), as mbox(5) has it. */
function asctime(time: number): string {
  const date = new Date(time);
  const pad = (value: number) => String(value).padStart(2, '0');
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${clock} ${date.getUTCFullYear()}`;
}

/** Whether the line beginning at `start` matches /^>*From /. */
function isFromLine(raw: Uint8Array, start: number): boolean {
  let index = start;
  while (raw[index] === QUOTE) index++;
  return FROM_SPACE.every((byte, offset) => raw[index + offset] === byte);
}

export function mboxEntry(raw: Uint8Array, internalDate: number): Uint8Array<ArrayBuffer> {
  const separator = new TextEncoder().encode(`From MAILER-DAEMON ${asctime(internalDate)}\n`);
  let quotes = 0;
  for (let index = 0; index < raw.length; index++) {
    if ((index === 0 || raw[index - 1] === LF) && isFromLine(raw, index)) quotes++;
  }
  // Worst case: every byte kept, one ">" per quoted line, a final LF and the blank line.
  const entry = new Uint8Array(separator.length + raw.length + quotes + 2);
  entry.set(separator);
  let length = separator.length;
  for (let index = 0; index < raw.length; index++) {
    const byte = raw[index]!;
    if (byte === CR && raw[index + 1] === LF) continue;
    if ((index === 0 || raw[index - 1] === LF) && isFromLine(raw, index)) entry[length++] = QUOTE;
    entry[length++] = byte;
  }
  if (length === separator.length || entry[length - 1] !== LF) entry[length++] = LF;
  entry[length++] = LF;
  return entry.slice(0, length);
}
