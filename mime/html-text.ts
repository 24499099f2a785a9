// HTML to plain text, the one conversion both sides use: for search (server and browser
// index), previews, the webmail's plain-text view and quoting in a reply. Tags removed,
// script/style/title/head content dropped, block elements turned into line breaks,
// entities decoded. It is a single linear scan (indexOf, no backtracking regex) and needs
// no DOM, so it runs in a worker, and hostile markup such as a megabyte of '<' cannot make
// it slow. It is not a renderer and not a sanitiser: its output is only ever matched
// against or shown as text.

/** Elements whose content is not text a reader sees. */
const HIDDEN_CONTENT_ELEMENTS = new Set(['script', 'style', 'title', 'head', 'template', 'noscript']);

/** Elements that start a new line when rendered. */
// biome-ignore format: a list of words reads best packed
const BLOCK_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'dd', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'header', 'hr', 'html', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody',
  'thead', 'tfoot', 'tr', 'ul',
]);

/** Elements that separate words without breaking the line. */
const CELL_ELEMENTS = new Set(['td', 'th', 'img', 'input', 'button', 'select', 'option', 'label']);

export function htmlToText(html: string): string {
  const pieces: string[] = [];
  /** Start of the text not yet copied to `pieces`. */
  let textStart = 0;
  let searchFrom = 0;
  const length = html.length;
  while (searchFrom < length) {
    const open = html.indexOf('<', searchFrom);
    if (open < 0) break;
    const nameStart = html[open + 1] === '/' ? open + 2 : open + 1;
    const isComment = html.startsWith('<!--', open);
    const isTag = isComment || isAsciiLetter(html.charCodeAt(nameStart)) || html[open + 1] === '!' || html[open + 1] === '?';
    if (!isTag) {
      // A '<' not followed by a tag name is text, as browsers treat it.
      searchFrom = open + 1;
      continue;
    }
    pieces.push(html.slice(textStart, open));
    if (isComment) {
      const close = html.indexOf('-->', open + 4);
      textStart = searchFrom = close < 0 ? length : close + 3;
      continue;
    }
    const close = html.indexOf('>', open + 1);
    if (close < 0) {
      textStart = searchFrom = length;
      break;
    }
    const name = readTagName(html, nameStart);
    const isEndTag = nameStart === open + 2;
    textStart = searchFrom = close + 1;
    if (!isEndTag && HIDDEN_CONTENT_ELEMENTS.has(name) && html[close - 1] !== '/') {
      textStart = searchFrom = skipElementContent(html, name, searchFrom);
      pieces.push(' ');
    } else if (BLOCK_ELEMENTS.has(name)) {
      pieces.push('\n');
    } else if (CELL_ELEMENTS.has(name)) {
      pieces.push(' ');
    }
  }
  pieces.push(html.slice(textStart));
  return decodeHtmlEntities(pieces.join(''));
}

/** htmlToText laid out for reading: no spaces before a line break, at most one empty line in
 * a row, none at either end. Line by line, so a run of spaces cannot make it slow. */
export function htmlToReadableText(html: string): string {
  const lines: string[] = [];
  let emptyRun = 0;
  for (const line of htmlToText(html).split('\n')) {
    const trimmed = line.trimEnd();
    emptyRun = trimmed.trim() === '' ? emptyRun + 1 : 0;
    if (emptyRun === 0) lines.push(trimmed);
    else if (emptyRun === 1 && lines.length > 0) lines.push('');
  }
  while (lines.at(-1) === '') lines.pop();
  return lines.join('\n').trimStart();
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function readTagName(html: string, start: number): string {
  let end = start;
  while (end < html.length) {
    const code = html.charCodeAt(end);
    if (!(isAsciiLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x2d)) break;
    end++;
  }
  return html.slice(start, end).toLowerCase();
}

/** Position after `</name ...>`, or the end of input when the element is never closed —
 * except <head>, whose missing end tag must not swallow the body that follows. */
function skipElementContent(html: string, name: string, from: number): number {
  // The end tag's name is matched alone and its '>' found with indexOf: a pattern that
  // spans to '>' would rescan the rest of the input at every unterminated "</name".
  const endTag = new RegExp(`</${name}(?![a-z0-9-])`, 'gi');
  endTag.lastIndex = from;
  const found = endTag.exec(html);
  if (found) {
    const close = html.indexOf('>', found.index);
    return close < 0 ? html.length : close + 1;
  }
  if (name === 'head') {
    const body = /<body(?![a-z0-9-])/gi;
    body.lastIndex = from;
    const bodyTag = body.exec(html);
    return bodyTag ? bodyTag.index : from;
  }
  return html.length;
}

// Latin-1 entities in code point order from U+00A0 (the HTML 4 set, which covers nearly
// all named entities found in mail), plus the common typographic ones.
const LATIN1_ENTITY_NAMES = (
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg ' +
  'plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest ' +
  'Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute ' +
  'Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml ' +
  'Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc ' +
  'euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ' +
  'ugrave uacute ucirc uuml yacute thorn yuml'
).split(' ');
const FIRST_LATIN1_ENTITY = 0xa0;

// biome-ignore format: a table of pairs reads best packed
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map<string, string>([
  ...LATIN1_ENTITY_NAMES.map((name, index): [string, string] => [name, String.fromCharCode(FIRST_LATIN1_ENTITY + index)]),
  ['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"],
  ['OElig', '\u0152'], ['oelig', '\u0153'], ['Scaron', '\u0160'], ['scaron', '\u0161'],
  ['Yuml', '\u0178'], ['fnof', '\u0192'], ['circ', '\u02c6'], ['tilde', '\u02dc'],
  ['ensp', '\u2002'], ['emsp', '\u2003'], ['thinsp', '\u2009'], ['zwnj', '\u200c'],
  ['zwj', '\u200d'], ['lrm', '\u200e'], ['rlm', '\u200f'], ['ndash', '\u2013'],
  ['mdash', '\u2014'], ['lsquo', '\u2018'], ['rsquo', '\u2019'], ['sbquo', '\u201a'],
  ['ldquo', '\u201c'], ['rdquo', '\u201d'], ['bdquo', '\u201e'], ['dagger', '\u2020'],
  ['Dagger', '\u2021'], ['bull', '\u2022'], ['hellip', '\u2026'], ['permil', '\u2030'],
  ['prime', '\u2032'], ['Prime', '\u2033'], ['lsaquo', '\u2039'], ['rsaquo', '\u203a'],
  ['euro', '\u20ac'], ['trade', '\u2122'], ['larr', '\u2190'], ['rarr', '\u2192'],
  ['uarr', '\u2191'], ['darr', '\u2193'], ['hearts', '\u2665'], ['check', '\u2713'],
]);

/** The highest Unicode code point; larger numeric references are invalid. */
const MAX_CODE_POINT = 0x10ffff;

const ENTITY = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z][a-zA-Z0-9]{1,31}));?/y;

function decodeHtmlEntities(text: string): string {
  let ampersand = text.indexOf('&');
  if (ampersand < 0) return text;
  const pieces: string[] = [];
  let copiedUpTo = 0;
  while (ampersand >= 0) {
    ENTITY.lastIndex = ampersand;
    const match = ENTITY.exec(text);
    let next = ampersand + 1;
    if (match) {
      const replacement = entityText(match[1], match[2], match[3]);
      if (replacement !== null) {
        pieces.push(text.slice(copiedUpTo, ampersand), replacement);
        copiedUpTo = ampersand + match[0].length;
      }
      next = ampersand + match[0].length;
    }
    ampersand = text.indexOf('&', next);
  }
  pieces.push(text.slice(copiedUpTo));
  return pieces.join('');
}

function entityText(decimal: string | undefined, hex: string | undefined, name: string | undefined): string | null {
  if (name !== undefined) return NAMED_ENTITIES.get(name) ?? null;
  const codePoint = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? '', 16);
  if (!(codePoint > 0 && codePoint <= MAX_CODE_POINT) || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return '\uFFFD';
  return String.fromCodePoint(codePoint);
}
