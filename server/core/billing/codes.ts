// Codes people type: payment codes (written on a bank transfer) and vouchers (printed and
// sold). Crockford's base32 alphabet has no look-alikes (no I, L, O, U); on input, I and L
// read as 1 and O as 0, case and separators are ignored. The last character is a check
// character (Damm's scheme over GF(32): x∘y = 2x ⊕ y is a totally anti-symmetric
// quasigroup), which catches every single mistyped character and every swap of two
// neighbours, so a typo is reported instead of crediting a stranger.

export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const VALUE_OF = new Map<string, number>([...CODE_ALPHABET].map((character, value) => [character, value]));
for (const [lookAlike, meant] of [
  ['I', '1'],
  ['L', '1'],
  ['O', '0'],
] as const) {
  VALUE_OF.set(lookAlike, VALUE_OF.get(meant)!);
}

/** Multiplication by 2 in GF(2^5) modulo x^5 + x^2 + 1 (a primitive polynomial). */
function double(value: number): number {
  const shifted = value << 1;
  return shifted & 0b100000 ? shifted ^ 0b100101 : shifted;
}

function checkState(values: readonly number[]): number {
  let state = 0;
  for (const value of values) state = double(state) ^ value;
  return state;
}

/** `length` random characters (the last one the check character), grouped for reading. */
export function newCode(randomBytes: (length: number) => Uint8Array, length: number, groupSize: number): string {
  // One byte per character, keeping its low 5 bits: uniform, since 256 is a multiple of 32.
  const values = [...randomBytes(length - 1)].map((byte) => byte & 0b11111);
  values.push(double(checkState(values)));
  const text = values.map((value) => CODE_ALPHABET[value]).join('');
  return text.match(new RegExp(`.{1,${groupSize}}`, 'g'))!.join('-');
}

export type ParsedCode = { ok: true; canonical: string } | { ok: false; reason: 'malformed' | 'mistyped' };

/** Reads a typed code: the canonical form (upper case, no separators, look-alikes
 * resolved) when its length and check character are right. */
export function parseCode(text: string, length: number): ParsedCode {
  if (typeof text !== 'string') return { ok: false, reason: 'malformed' };
  const compact = text.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== length) return { ok: false, reason: 'malformed' };
  const values: number[] = [];
  for (const character of compact) {
    const value = VALUE_OF.get(character);
    if (value === undefined) return { ok: false, reason: 'malformed' };
    values.push(value);
  }
  if (checkState(values) !== 0) return { ok: false, reason: 'mistyped' };
  return { ok: true, canonical: values.map((value) => CODE_ALPHABET[value]).join('') };
}
