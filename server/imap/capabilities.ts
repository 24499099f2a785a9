// The CAPABILITY list for each moment of a session. Before TLS on the STARTTLS port no
// login is possible (LOGINDISABLED, no AUTH=PLAIN: RFC 9051 6.2.3, RFC 8314); before login
// non-synchronising literals are limited to 4096 octets (LITERAL-, RFC 7888).
import type { Session } from './session.ts';

const PROTOCOLS = ['IMAP4rev1', 'IMAP4rev2'];

/** Offered in every state: what a client needs before it logs in. */
const ALWAYS = ['SASL-IR', 'ENABLE', 'ID', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE'];

const AFTER_LOGIN = [
  'CHILDREN',
  'SPECIAL-USE',
  'CREATE-SPECIAL-USE',
  'LIST-EXTENDED',
  'LIST-STATUS',
  'ESEARCH',
  'SEARCHRES',
  'CONDSTORE',
  'QRESYNC',
  'QUOTA',
  'QUOTA=RES-STORAGE',
  'STATUS=SIZE',
  'UTF8=ACCEPT',
  'BINARY',
  'COMPRESS=DEFLATE',
  'SORT',
  'SORT=DISPLAY',
  'THREAD=REFERENCES',
  'THREAD=ORDEREDSUBJECT',
];

export function capabilities(session: Session): string[] {
  const list = [...PROTOCOLS];
  if (session.state === 'not-authenticated') {
    list.push('LITERAL-', ...ALWAYS);
    if (session.starttlsOffered && !session.secure) list.push('STARTTLS', 'LOGINDISABLED');
    else list.push('AUTH=PLAIN');
    return list;
  }
  list.push('LITERAL+', ...ALWAYS, ...AFTER_LOGIN, `APPENDLIMIT=${session.services.config.appendLimit}`);
  return list;
}
