// tag [UID SP] FETCH SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att
//                    / "(" fetch-att *(SP fetch-att) ")") [SP fetch-modifiers]
// fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822" [".HEADER" / ".SIZE" / ".TEXT"]
//           / "BODY" ["STRUCTURE"] / "UID" / "MODSEQ"
//           / "BODY" [".PEEK"] "[" [section] "]" ["<" number "." nz-number ">"]
//           / "BINARY" [".PEEK"] "[" [section-part] "]" ["<" number "." nz-number ">"]   (RFC 3516)
//           / "BINARY.SIZE" "[" [section-part] "]"
// fetch-modifiers = "(" fetch-modifier *(SP fetch-modifier) ")"
// fetch-modifier  = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED"              (RFC 7162)
//
// Normalised for the session: macros are expanded; UID FETCH always includes UID
// (RFC 3501 6.4.8) and CHANGEDSINCE always includes MODSEQ (RFC 7162 3.1.4.1), because the
// responses must carry them whether or not the client asked.
import type { ArgReader } from '../args.ts';
import { parseNumber } from '../args.ts';
import { ProtoError, syntaxError } from '../errors.ts';
import { parseBodySection, parseSectionPart, type BodySection } from '../section.ts';
import { MAX_NZ_NUMBER, type SequenceSet } from '../seqset.ts';
import { SELECTED, defineCommand } from './spec.ts';

export type SimpleFetchAttribute =
  | 'ENVELOPE'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.SIZE'
  | 'RFC822.TEXT'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'UID'
  | 'MODSEQ';

export interface FetchPartial {
  readonly offset: number;
  readonly length: number;
}

export type FetchAttribute =
  | { readonly kind: 'simple'; readonly name: SimpleFetchAttribute }
  /** BODY[section]<partial>; `peek` leaves \Seen unchanged. */
  | { readonly kind: 'body'; readonly peek: boolean; readonly section: BodySection; readonly partial: FetchPartial | undefined }
  /** BINARY[part]<partial>: the part with its content transfer encoding removed. */
  | { readonly kind: 'binary'; readonly peek: boolean; readonly part: readonly number[]; readonly partial: FetchPartial | undefined }
  | { readonly kind: 'binary-size'; readonly part: readonly number[] };

export interface FetchRequest {
  readonly name: 'FETCH' | 'UID FETCH';
  readonly set: SequenceSet;
  readonly attributes: readonly FetchAttribute[];
  /** CONDSTORE: only messages whose mod-sequence is greater. */
  readonly changedSince: bigint | undefined;
  /** QRESYNC: also report expunged UIDs with VANISHED (EARLIER); UID FETCH only. */
  readonly vanished: boolean;
}

const SIMPLE: ReadonlySet<string> = new Set<SimpleFetchAttribute>([
  'ENVELOPE',
  'FLAGS',
  'INTERNALDATE',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.SIZE',
  'RFC822.TEXT',
  'BODY',
  'BODYSTRUCTURE',
  'UID',
  'MODSEQ',
]);

const simple = (name: SimpleFetchAttribute): FetchAttribute => ({ kind: 'simple', name });

const MACROS: Readonly<Record<string, readonly FetchAttribute[]>> = {
  FAST: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE')],
  ALL: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE'), simple('ENVELOPE')],
  FULL: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE'), simple('ENVELOPE'), simple('BODY')],
};

/** "<" number "." nz-number ">" */
function parsePartial(text: string): FetchPartial {
  const dot = text.indexOf('.');
  if (text.charCodeAt(0) !== 0x3c || text.charCodeAt(text.length - 1) !== 0x3e || dot === -1) {
    throw syntaxError('Invalid partial range');
  }
  const offset = parseNumber(text.slice(1, dot), 'partial offset', MAX_NZ_NUMBER);
  const length = parseNumber(text.slice(dot + 1, -1), 'partial length', MAX_NZ_NUMBER);
  if (length === 0) throw new ProtoError('INVALID_NUMBER', 'FetchPartial length must not be zero');
  return { offset, length };
}

/** One fetch-att from its bare token. */
function parseFetchAttribute(token: string): FetchAttribute {
  const open = token.indexOf('[');
  if (open === -1) {
    const name = token.toUpperCase();
    if (SIMPLE.has(name)) return simple(name as SimpleFetchAttribute);
    throw syntaxError('Unknown FETCH attribute');
  }
  const close = token.indexOf(']', open);
  if (close === -1) throw syntaxError('Missing "]"');
  const prefix = token.slice(0, open).toUpperCase();
  const inside = token.slice(open + 1, close);
  const after = token.slice(close + 1);
  const partial = after === '' ? undefined : parsePartial(after);
  switch (prefix) {
    case 'BODY':
    case 'BODY.PEEK':
      return { kind: 'body', peek: prefix === 'BODY.PEEK', section: parseBodySection(inside), partial };
    case 'BINARY':
    case 'BINARY.PEEK':
      return { kind: 'binary', peek: prefix === 'BINARY.PEEK', part: parseSectionPart(inside), partial };
    case 'BINARY.SIZE':
      if (partial !== undefined) throw syntaxError('BINARY.SIZE takes no partial range');
      return { kind: 'binary-size', part: parseSectionPart(inside) };
    default:
      throw syntaxError('Unknown FETCH attribute');
  }
}

function readAttributes(args: ArgReader): FetchAttribute[] {
  const first = args.peek();
  if (first?.kind === 'list') {
    const list = args.list('fetch attributes');
    const attributes: FetchAttribute[] = [];
    do attributes.push(parseFetchAttribute(list.atom('fetch attribute')));
    while (!list.atEnd());
    return attributes;
  }
  const token = args.atom('fetch attributes');
  const macro = MACROS[token.toUpperCase()];
  return macro !== undefined ? [...macro] : [parseFetchAttribute(token)];
}

function hasSimple(attributes: readonly FetchAttribute[], name: SimpleFetchAttribute): boolean {
  return attributes.some((a) => a.kind === 'simple' && a.name === name);
}

function define(name: FetchRequest['name']) {
  const uid = name === 'UID FETCH';
  return defineCommand<FetchRequest>({
    name,
    grammar: `tag ${name} SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")") [SP fetch-modifiers]`,
    states: SELECTED,
    usesSequenceNumbers: !uid,
    expunges: false,
    read(args) {
      const set = args.sequenceSet('sequence set');
      const attributes = readAttributes(args);
      let changedSince: bigint | undefined;
      let vanished = false;
      const modifiers = args.optionalList('fetch modifiers');
      while (modifiers !== undefined && !modifiers.atEnd()) {
        const modifier = modifiers.keyword('fetch modifier');
        if (modifier === 'CHANGEDSINCE' && changedSince === undefined) changedSince = modifiers.modSequence('mod-sequence');
        else if (modifier === 'VANISHED' && !vanished) vanished = true;
        else throw syntaxError('Unknown or repeated FETCH modifier');
      }
      // RFC 7162 3.2.6: VANISHED only in UID FETCH, and only together with CHANGEDSINCE.
      if (vanished && (!uid || changedSince === undefined)) throw syntaxError('VANISHED needs UID FETCH with CHANGEDSINCE');
      if (uid && !hasSimple(attributes, 'UID')) attributes.unshift(simple('UID'));
      if (changedSince !== undefined && !hasSimple(attributes, 'MODSEQ')) attributes.push(simple('MODSEQ'));
      return { name, set, attributes, changedSince, vanished };
    },
  });
}

export const fetchCommand = define('FETCH');
export const uidFetchCommand = define('UID FETCH');
