// Body section specifiers of FETCH (RFC 3501 6.4.5, RFC 3516 for BINARY): parsed from the
// text between the brackets of BODY[...] / BINARY[...], and written back unchanged in form
// in the FETCH response ("BODY[1.2.HEADER.FIELDS (FROM TO)]").
//   section-spec    = section-msgtext / (section-part ["." section-text])
//   section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
//   section-text    = section-msgtext / "MIME"
//   section-part    = nz-number *("." nz-number)
//   header-list     = "(" header-fld-name *(SP header-fld-name) ")"

import { ASTRING_CHAR, allCharsIn } from './chars.ts';
import { ProtoError, syntaxError } from './errors.ts';
import { MAX_NZ_NUMBER } from './seqset.ts';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface BodySection {
  /** MIME part path, e.g. [1, 2] for "1.2"; empty for the whole message. */
  readonly part: readonly number[];
  readonly text: SectionText | undefined;
  /** Header names for HEADER.FIELDS(.NOT), as the client wrote them. */
  readonly fields: readonly string[];
}

/** Parses a section-part ("1.2.3", or "" for none) up to `end`; returns the numbers and the
 * index after the last one consumed. */
function readPart(text: string, end: number): [number[], number] {
  const part: number[] = [];
  let i = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < 0x31 || c > 0x39) break;
    let v = 0;
    let j = i;
    for (; j < end; j++) {
      const d = text.charCodeAt(j) - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      if (v > MAX_NZ_NUMBER) throw new ProtoError('INVALID_NUMBER', 'Section part out of range');
    }
    part.push(v);
    i = j;
    if (i < end && text.charCodeAt(i) === 0x2e) i++;
    else break;
  }
  return [part, i];
}

/** A section-part alone, for BINARY[...] and BINARY.SIZE[...]. */
export function parseSectionPart(text: string): number[] {
  const [part, i] = readPart(text, text.length);
  if (i !== text.length || (text.length > 0 && text.endsWith('.'))) throw syntaxError('Invalid section part');
  return part;
}

/** The text between the brackets of BODY[...]. */
export function parseBodySection(text: string): BodySection {
  const space = text.indexOf(' ');
  const specEnd = space === -1 ? text.length : space;
  const [part, i] = readPart(text, specEnd);
  const rest = text.slice(i, specEnd).toUpperCase();
  if (rest === '') {
    if (i > 0 && text.charCodeAt(i - 1) === 0x2e) throw syntaxError('Invalid section');
    if (space !== -1) throw syntaxError('Invalid section');
    return { part, text: undefined, fields: [] };
  }
  if (part.length > 0 && text.charCodeAt(i - 1) !== 0x2e) throw syntaxError('Invalid section');
  if (rest === 'HEADER.FIELDS' || rest === 'HEADER.FIELDS.NOT') {
    if (space === -1) throw syntaxError('Missing header list');
    return { part, text: rest, fields: parseHeaderList(text.slice(space + 1)) };
  }
  if (space !== -1) throw syntaxError('Invalid section');
  if (rest === 'HEADER' || rest === 'TEXT' || (rest === 'MIME' && part.length > 0)) return { part, text: rest, fields: [] };
  throw syntaxError('Invalid section');
}

/** ftext of RFC 5322 field names: printable ASCII except ":". */
const FIELD_NAME_CHAR = Uint8Array.from({ length: 256 }, (_, c) => (c >= 0x21 && c <= 0x7e && c !== 0x3a ? 1 : 0));

function parseHeaderList(text: string): string[] {
  if (text.charCodeAt(0) !== 0x28 || text.charCodeAt(text.length - 1) !== 0x29) throw syntaxError('Invalid header list');
  const fields: string[] = [];
  const end = text.length - 1;
  let i = 1;
  while (i < end) {
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      let j = i + 1;
      for (; j < end && text.charCodeAt(j) !== 0x22; j++) {
        if (text.charCodeAt(j) === 0x5c) j++;
        value += text[j];
      }
      if (j >= end || value.length === 0) throw syntaxError('Invalid header list');
      fields.push(value);
      i = j + 1;
    } else {
      let j = i;
      while (j < end && text.charCodeAt(j) !== 0x20) j++;
      const name = text.slice(i, j);
      if (!allCharsIn(name, ASTRING_CHAR)) throw syntaxError('Invalid header list');
      fields.push(name);
      i = j;
    }
    if (i < end) {
      if (text.charCodeAt(i) !== 0x20 || i + 1 >= end) throw syntaxError('Invalid header list');
      i++;
    }
  }
  if (fields.length === 0) throw syntaxError('Empty header list');
  for (const field of fields) {
    if (!allCharsIn(field, FIELD_NAME_CHAR)) throw syntaxError('Invalid header field name');
  }
  return fields;
}

/** The section as it appears between the brackets of a FETCH response. */
export function formatBodySection(section: BodySection): string {
  let out = section.part.join('.');
  if (section.text !== undefined) {
    if (out.length > 0) out += '.';
    out += section.text;
  }
  if (section.fields.length > 0) {
    out += ` (${section.fields.map((f) => (allCharsIn(f, ASTRING_CHAR) ? f : JSON.stringify(f))).join(' ')})`;
  }
  return out;
}
