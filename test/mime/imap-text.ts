// Test helper: writes ImapValue data the way RFC 3501 examples print it (every string
// quoted, no literals), so expected ENVELOPE/BODYSTRUCTURE values can be written as the
// protocol text a reader checks against the RFC, Dovecot's test vectors and imaptest.
import type { ImapValue } from '../../mime/imap-format.ts';

export function imapText(value: ImapValue): string {
  if (Array.isArray(value)) return `(${value.map(imapText).join(' ')})`;
  switch (value.type) {
    case 'nil':
      return 'NIL';
    case 'number':
      return String(value.value);
    case 'string':
      return `"${value.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }
}
