// The key order of every backend: bytewise order of the keys' UTF-8 encodings, which is
// Unicode code point order. LevelDB gives it natively; the in-memory store needs it in JS,
// where `<` compares UTF-16 code units and would disagree for characters beyond U+FFFF.

/** Any UTF-16 code unit at which code unit order and code point order can disagree. */
const UNIT_AT_OR_ABOVE_SURROGATES = /[\ud800-\uffff]/;

/** Negative, zero or positive as `a` sorts before, with, or after `b` in UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  // The orders can only disagree where both strings hold units ≥ U+D800; keys are nearly
  // always ASCII, so the native comparison settles almost every call.
  if (!UNIT_AT_OR_ABOVE_SURROGATES.test(a) || !UNIT_AT_OR_ABOVE_SURROGATES.test(b)) return a < b ? -1 : 1;
  const shorter = Math.min(a.length, b.length);
  for (let index = 0; index < shorter; index++) {
    const unitA = a.charCodeAt(index);
    const unitB = b.charCodeAt(index);
    if (unitA !== unitB) return codePointRank(unitA) - codePointRank(unitB);
  }
  return a.length - b.length;
}

/** UTF-16 code unit order equals code point order except that surrogates (D800–DFFF, which
 * encode U+10000 and above) must sort after U+E000–U+FFFF: shift the two blocks past each other. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
