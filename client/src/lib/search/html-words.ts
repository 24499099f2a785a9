// The words of an HTML message for the search index, without a DOM: the indexer runs in a
// worker, which has no DOMParser (lib/html-text.ts is the page's, for display). Nothing here is
// ever rendered, so a rough cut is safe: what is not text (comments, scripts, styles, the
// head, tags) goes, entities are decoded, and tags become spaces so that words on either side
// of a tag stay apart.

const HIDDEN = /<!--[\s\S]*?(?:-->|$)|<(script|style|head|template|noscript|title)\b[\s\S]*?(?:<\/\1\s*>|$)/gi;
const TAG = /<\/?[a-z!?][^>]*(?:>|$)/gi;
const ENTITY = /&(?:#(\d{1,7})|#x([\da-f]{1,6})|([a-z][a-z\d]{1,31}));?/gi;

/** The named entities mail actually uses; the full HTML table is two thousand entries, and an
 * unknown name only costs that one word. Accented letters matter most: they are words. */
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', shy: '', zwnj: '', zwj: '',
  ndash: '–', mdash: '—', hellip: '…', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bdquo: '„', laquo: '«', raquo: '»',
  euro: '€', pound: '£', yen: '¥', cent: '¢', copy: '©', reg: '®', trade: '™', deg: '°', sect: '§', para: '¶', middot: '·', bull: '•',
  szlig: 'ß', aelig: 'æ', AElig: 'Æ', oelig: 'œ', OElig: 'Œ', oslash: 'ø', Oslash: 'Ø', aring: 'å', Aring: 'Å', ccedil: 'ç', Ccedil: 'Ç',
  eth: 'ð', ETH: 'Ð', thorn: 'þ', THORN: 'Þ', ntilde: 'ñ', Ntilde: 'Ñ',
};
const ACCENTED: Record<string, string> = { uml: '\u0308', acute: '\u0301', grave: '\u0300', circ: '\u0302', tilde: '\u0303', ring: '\u030a', cedil: '\u0327', caron: '\u030c' };

function namedEntity(name: string): string | undefined {
  if (name in NAMED) return NAMED[name];
  // auml, Eacute, ocirc …: a base letter and the name of its accent.
  const accent = /^([a-zA-Z])(uml|acute|grave|circ|tilde|ring|cedil|caron)$/.exec(name);
  return accent ? (accent[1]! + ACCENTED[accent[2]!]!).normalize('NFC') : undefined;
}

function codePoint(value: number): string {
  return value > 0 && value <= 0x10ffff && (value < 0xd800 || value > 0xdfff) ? String.fromCodePoint(value) : ' ';
}

export function htmlWords(html: string): string {
  return html
    .replace(HIDDEN, ' ')
    .replace(TAG, ' ')
    .replace(ENTITY, (entity, decimal: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (decimal) return codePoint(Number(decimal));
      if (hex) return codePoint(parseInt(hex, 16));
      return namedEntity(name!) ?? entity;
    });
}
