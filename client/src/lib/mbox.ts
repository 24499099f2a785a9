// One message as an mbox entry (mboxrd, the variant that quotes reversibly): a "From "
// separator line with the arrival date, body lines starting with ">*From " get one more
// ">", and a blank line ends the entry. Line endings become LF, as mbox readers expect.

export function mboxEntry(raw: Uint8Array, internalDate: number): Uint8Array {
  const text = new TextDecoder('latin1').decode(raw).replace(/\r\n/g, '\n');
  const quoted = text.replace(/^(>*From )/gm, '>$1');
  const separator = `From MAILER-DAEMON ${new Date(internalDate).toUTCString().replace(/,/g, '')}\n`;
  const entry = separator + quoted + (quoted.endsWith('\n') ? '' : '\n') + '\n';
  const bytes = new Uint8Array(entry.length);
  for (let index = 0; index < entry.length; index++) bytes[index] = entry.charCodeAt(index);
  return bytes;
}
