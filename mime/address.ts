// RFC 5322 address lists (section 3.4, with the obsolete forms of section 4.4) parsed into
// the RFC 3501 ENVELOPE address model: mailboxes, and groups as start/end markers.
//
// Real headers are often broken, so the parser never rejects: `a@b; c@d` (semicolons as
// separators), `John Smith john@x` (no angle brackets), `<a@b` (unclosed), bare words
// without a domain — each yields the most plausible address, and a missing local part or
// domain is left empty for the IMAP layer to render as Dovecot does (MISSING_MAILBOX,
// MISSING_DOMAIN). Display names keep their encoded words (IMAP sends them raw); the
// decoded form is added beside them when it differs.

import type { AddressEntry, MailboxAddress } from './types.ts';
import { decodeEncodedWords } from './decode.ts';

type TokenKind = 'atom' | 'quoted' | 'comment' | 'literal' | 'special';

interface Token {
  kind: TokenKind;
  /** Atom text; quoted-string or comment content with escapes removed; the special char. */
  text: string;
  /** As written (quotes and escapes kept), for local parts. */
  lexical: string;
  /** Whitespace or a comment preceded the token. */
  spaceBefore: boolean;
}

const SPECIALS = '<>@,;:.';

function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let spaceBefore = false;
  let i = 0;
  const length = value.length;
  while (i < length) {
    const c = value[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      spaceBefore = true;
      i++;
    } else if (c === '(') {
      const end = scanComment(value, i);
      tokens.push({ kind: 'comment', text: unescapeQuotedPairs(value.slice(i + 1, end.contentEnd)), lexical: '', spaceBefore });
      spaceBefore = true;
      i = end.next;
    } else if (c === '"') {
      let j = i + 1;
      while (j < length && value[j] !== '"') j += value[j] === '\\' ? 2 : 1;
      const content = value.slice(i + 1, Math.min(j, length));
      tokens.push({ kind: 'quoted', text: unescapeQuotedPairs(content), lexical: `"${content}"`, spaceBefore });
      spaceBefore = false;
      i = j + 1;
    } else if (c === '[') {
      const close = value.indexOf(']', i);
      const end = close < 0 ? length : close + 1;
      const literal = value.slice(i, end);
      tokens.push({ kind: 'literal', text: literal, lexical: literal, spaceBefore });
      spaceBefore = false;
      i = end;
    } else if (SPECIALS.includes(c)) {
      tokens.push({ kind: 'special', text: c, lexical: c, spaceBefore });
      spaceBefore = false;
      i++;
    } else {
      let j = i + 1;
      while (j < length && !isAtomBreak(value[j]!)) j++;
      const atom = value.slice(i, j);
      tokens.push({ kind: 'atom', text: atom, lexical: atom, spaceBefore });
      spaceBefore = false;
      i = j;
    }
  }
  return tokens;
}

function isAtomBreak(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '(' || c === '"' || c === '[' || SPECIALS.includes(c);
}

/** A comment may nest and may be left open; returns where its content ends and what follows. */
function scanComment(value: string, open: number): { contentEnd: number; next: number } {
  let depth = 0;
  for (let i = open; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return { contentEnd: i, next: i + 1 };
  }
  return { contentEnd: value.length, next: value.length };
}

function unescapeQuotedPairs(text: string): string {
  return text.includes('\\') ? text.replace(/\\([\s\S])/g, '$1') : text;
}

function isSpecial(token: Token | undefined, char: string): boolean {
  return token !== undefined && token.kind === 'special' && token.text === char;
}

export interface ParsedAddressList {
  entries: AddressEntry[];
  /** More mailboxes followed than `maxMailboxes` allowed. */
  truncated: boolean;
}

/** Parses an address-list header value; at most `maxMailboxes` mailboxes are returned
 * (an open group is still closed). */
export function parseAddressList(value: string, maxMailboxes = Number.POSITIVE_INFINITY): ParsedAddressList {
  const tokens = tokenize(value);
  const entries: AddressEntry[] = [];
  let mailboxes = 0;
  let truncated = false;
  const add = (mailbox: MailboxAddress | null): void => {
    if (!mailbox) return;
    if (mailboxes >= maxMailboxes) {
      truncated = true;
      return;
    }
    entries.push(mailbox);
    mailboxes++;
  };
  let i = 0;
  while (i < tokens.length && !truncated) {
    const token = tokens[i]!;
    if (isSpecial(token, ',') || isSpecial(token, ';') || isSpecial(token, '>') || isSpecial(token, ':')) {
      i++;
      continue;
    }
    const colon = findGroupColon(tokens, i);
    if (colon < 0) {
      const end = findMailboxEnd(tokens, i);
      add(interpretMailbox(tokens.slice(i, end)));
      i = end;
      continue;
    }
    entries.push(groupStart(phraseText(tokens.slice(i, colon))));
    i = colon + 1;
    while (i < tokens.length && !truncated) {
      if (isSpecial(tokens[i], ';')) {
        i++;
        break;
      }
      if (isSpecial(tokens[i], ',')) {
        i++;
        continue;
      }
      const end = findMailboxEnd(tokens, i);
      add(interpretMailbox(tokens.slice(i, end)));
      i = end;
    }
    entries.push({ groupEnd: true });
  }
  return { entries, truncated };
}

/** `phrase ":"` starts a group; anything address-like before the colon means it does not. */
function findGroupColon(tokens: Token[], from: number): number {
  for (let i = from; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== 'special') continue;
    if (token.text === ':') return i;
    if (token.text !== '.') return -1;
  }
  return -1;
}

/** A mailbox runs to the next ',' or ';' outside angle brackets. */
function findMailboxEnd(tokens: Token[], from: number): number {
  let angleDepth = 0;
  for (let i = from; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== 'special') continue;
    if (token.text === '<') angleDepth++;
    else if (token.text === '>') angleDepth = Math.max(0, angleDepth - 1);
    else if (angleDepth === 0 && (token.text === ',' || token.text === ';')) return i;
  }
  return tokens.length;
}

function interpretMailbox(segment: Token[]): MailboxAddress | null {
  const angle = segment.findIndex((token) => isSpecial(token, '<'));
  if (angle >= 0) {
    let close = segment.findIndex((token, index) => index > angle && isSpecial(token, '>'));
    if (close < 0) close = segment.length;
    let inner = segment.slice(angle + 1, close).filter((token) => token.kind !== 'comment');
    let route: string | undefined;
    if (isSpecial(inner[0], '@')) {
      const colon = inner.findIndex((token) => isSpecial(token, ':'));
      if (colon >= 0) {
        route = inner
          .slice(0, colon)
          .map((token) => token.lexical)
          .join('');
        inner = inner.slice(colon + 1);
      }
    }
    const { mailbox, host } = splitAddrSpec(inner);
    return mailboxAddress(phraseText(segment.slice(0, angle)) || null, mailbox, host, route);
  }

  const words = segment.filter((token) => token.kind !== 'comment');
  const comments = segment.filter((token) => token.kind === 'comment');
  const commentName = comments.length > 0 ? comments[comments.length - 1]!.text.trim() || null : null;
  if (words.length === 0) return null;
  let at = -1;
  for (let i = words.length - 1; i >= 0; i--) {
    if (isSpecial(words[i], '@')) {
      at = i;
      break;
    }
  }
  if (at < 0) return mailboxAddress(commentName, phraseText(words), '', undefined);

  // The local part is the run of tokens glued to the '@'; words before it are a name
  // written without angle brackets; the domain ends at the first gap after the '@'.
  let localStart = at;
  if (at > 0) {
    localStart = at - 1;
    while (localStart > 0 && !words[localStart]!.spaceBefore) localStart--;
  }
  let domainEnd = at + 1;
  if (domainEnd < words.length) {
    domainEnd++;
    while (domainEnd < words.length && !words[domainEnd]!.spaceBefore) domainEnd++;
  }
  const leadingName = phraseText(words.slice(0, localStart));
  const mailbox = joinLexical(words.slice(localStart, at));
  const host = joinLexical(words.slice(at + 1, domainEnd));
  return mailboxAddress(leadingName || commentName, mailbox, host, undefined);
}

function splitAddrSpec(tokens: Token[]): { mailbox: string; host: string } {
  let at = -1;
  for (let i = tokens.length - 1; i >= 0; i--) {
    if (isSpecial(tokens[i], '@')) {
      at = i;
      break;
    }
  }
  if (at < 0) return { mailbox: joinLexical(tokens), host: '' };
  return { mailbox: joinLexical(tokens.slice(0, at)), host: joinLexical(tokens.slice(at + 1)) };
}

/** Local parts and domains: tokens as written, whitespace between words kept as one space
 * (obs-local-part allows it; dropping it would merge words). */
function joinLexical(tokens: Token[]): string {
  let output = '';
  let previous: Token | undefined;
  for (const token of tokens) {
    const between = previous !== undefined && token.spaceBefore && previous.kind !== 'special' && token.kind !== 'special';
    output += (between ? ' ' : '') + token.lexical;
    previous = token;
  }
  return output;
}

/** RFC 5322 phrase: words (quoted strings unquoted) separated by single spaces. */
function phraseText(tokens: Token[]): string {
  let output = '';
  for (const token of tokens) {
    if (token.kind === 'comment') continue;
    output += (output !== '' && token.spaceBefore ? ' ' : '') + token.text;
  }
  return output.trim();
}

function mailboxAddress(name: string | null, mailbox: string, host: string, route: string | undefined): MailboxAddress {
  const address: MailboxAddress = { name, mailbox, host };
  if (name !== null) {
    const decoded = decodeEncodedWords(name);
    if (decoded !== name) address.decodedName = decoded;
  }
  if (route !== undefined && route !== '') address.route = route;
  return address;
}

function groupStart(name: string): AddressEntry {
  const decoded = decodeEncodedWords(name);
  return decoded === name ? { group: name } : { group: name, decodedGroup: decoded };
}

/** The local part without quoting, for sorting and display. */
export function unquoteLocalPart(mailbox: string): string {
  if (!mailbox.includes('"')) return mailbox;
  return mailbox.replace(/"((?:[^"\\]|\\[\s\S])*)"/g, (_, content: string) => unescapeQuotedPairs(content));
}

/** `mailbox@host`, or whichever half exists. */
export function addressSpec(address: MailboxAddress): string {
  if (address.host === '') return address.mailbox;
  return `${address.mailbox}@${address.host}`;
}

export function isMailbox(entry: AddressEntry): entry is MailboxAddress {
  return 'mailbox' in entry;
}
