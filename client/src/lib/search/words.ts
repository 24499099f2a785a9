// Words for full-text search. The same code cuts the indexed text and the query, so what a
// user types finds what a message says: lower case, diacritics folded in Latin, Greek and
// Cyrillic ("uber" finds "Über", "strasse" finds "Straße"; other scripts keep their marks,
// which there are part of the letter), then words are the runs of letters, marks and digits.
// Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) are cut into
// words by Intl.Segmenter's dictionaries where the browser has it, else kept as whole runs.
// The segmenter is asked only there because it is some thirty times slower than the regex
// over ordinary text, and the index reads whole mailboxes.

/** Longer "words" are base64, hashes and tracking ids: noise that would only bloat the index. */
export const MAX_WORD_LENGTH = 48;

/** What Intl.Segmenter offers, so that tests can run without it too. */
export interface WordSegmenter {
  segment(input: string): Iterable<{ segment: string; index: number; isWordLike?: boolean }>;
}

/** A term of a query: whole words must match exactly, the word being typed by its prefix. */
export interface QueryTerm {
  term: string;
  prefix: boolean;
}

const LETTER_RUN = /[\p{L}\p{M}\p{N}]+/gu;
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const FOLDED_MARKS = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;
/** Letters that are not a base letter plus a mark, so decomposition leaves them alone. */
const LETTER_FOLDS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ħ: 'h', ς: 'σ' };
const FOLDED_LETTERS = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'gu');

export function defaultSegmenter(): WordSegmenter | null {
  return typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'word' }) : null;
}

/** Lower case without accents: "Straße" → "strasse", "Ünïcödé" → "unicode". */
export function foldForSearch(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(FOLDED_MARKS, '$1')
    .replace(FOLDED_LETTERS, (letter) => LETTER_FOLDS[letter]!)
    .normalize('NFC');
}

/** The words of folded text, each with the offset where it ends. */
function* wordsOf(folded: string, segmenter: WordSegmenter | null): Generator<{ word: string; end: number }> {
  for (const run of folded.matchAll(LETTER_RUN)) {
    if (!segmenter || !UNSPACED_SCRIPT.test(run[0])) {
      yield { word: run[0], end: run.index + run[0].length };
      continue;
    }
    for (const part of segmenter.segment(run[0])) if (part.isWordLike) yield { word: part.segment, end: run.index + part.index + part.segment.length };
  }
}

const indexable = (word: string) => word.length <= MAX_WORD_LENGTH;

/** Every distinct term of a text, for the index. */
export function indexTerms(text: string, segmenter: WordSegmenter | null = defaultSegmenter(), into = new Set<string>()): Set<string> {
  for (const { word } of wordsOf(foldForSearch(text), segmenter)) if (indexable(word)) into.add(word);
  return into;
}

/**
 * The terms of a query, all of which must match. The word at the very end of the query is
 * the one being typed, so it matches as a prefix; a space after it makes it whole. Quotes
 * and other punctuation are ignored: a "phrase" matches its words anywhere in the message.
 */
export function parseQuery(query: string, segmenter: WordSegmenter | null = defaultSegmenter()): QueryTerm[] {
  const folded = foldForSearch(query);
  const terms = new Map<string, boolean>();
  for (const { word, end } of wordsOf(folded, segmenter)) {
    if (!indexable(word)) continue;
    // A word both typed whole and still being typed must match whole.
    terms.set(word, (terms.get(word) ?? true) && end === folded.length);
  }
  return [...terms].map(([term, prefix]) => ({ term, prefix }));
}
