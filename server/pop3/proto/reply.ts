// POP3 replies: status lines with the extended response codes of RFC 2449 and RFC 3206,
// multi-line replies, and the SASL continuation of RFC 5034. Pure formatting; reply texts
// are ours and never quote client input.

/** RFC 2449 section 8 (IN-USE, LOGIN-DELAY) and RFC 3206 (SYS/TEMP, SYS/PERM, AUTH). */
export type ResponseCode = 'IN-USE' | 'AUTH' | 'SYS/TEMP' | 'SYS/PERM';

export function okLine(text?: string): string {
  return text ? `+OK ${singleLine(text)}\r\n` : '+OK\r\n';
}

export function errLine(text: string, code?: ResponseCode): string {
  return `-ERR ${code ? `[${code}] ` : ''}${singleLine(text)}\r\n`;
}

/** A multi-line reply whose lines are ours (CAPA, LIST, UIDL, AUTH): none starts with ".",
 * but they are byte-stuffed anyway so that no future line can end the reply early. */
export function multiLine(first: string, lines: readonly string[]): string {
  let reply = okLine(first);
  for (const line of lines) reply += `${line.startsWith('.') ? '.' : ''}${singleLine(line)}\r\n`;
  return `${reply}.\r\n`;
}

/** RFC 5034 section 4: "+" and a space, then the (empty, for PLAIN) challenge. */
export const SASL_CONTINUATION = '+ \r\n';

function singleLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
