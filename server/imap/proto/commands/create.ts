// tag CREATE mailbox [SP "(" create-param *(SP create-param) ")"]
// create-param = "USE" SP "(" [use-attr *(SP use-attr)] ")"        (CREATE-SPECIAL-USE, RFC 6154)
import type { ArgReader } from '../args.ts';
import { ATOM_CHAR, allCharsIn } from '../chars.ts';
import { ProtoError, syntaxError } from '../errors.ts';
import { AUTHENTICATED, defineCommand } from './spec.ts';

export interface CreateRequest {
  readonly name: 'CREATE';
  readonly mailbox: string;
  /** Special-use attributes asked for, canonical case for the RFC 6154 ones. */
  readonly specialUse: readonly string[];
}

const SPECIAL_USE = new Map(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'].map((a) => [a.toUpperCase(), a]));

/** use-attr: a known special use in canonical case, or another "\" atom (extensions). */
function readUseAttribute(args: ArgReader): string {
  const text = args.atom('special-use attribute');
  const known = SPECIAL_USE.get(text.toUpperCase());
  if (known !== undefined) return known;
  if (text.charCodeAt(0) !== 0x5c || !allCharsIn(text.slice(1), ATOM_CHAR)) {
    throw new ProtoError('INVALID_FLAG', 'Invalid special-use attribute');
  }
  return text;
}

export const createCommand = defineCommand<CreateRequest>({
  name: 'CREATE',
  grammar: 'tag CREATE mailbox [SP "(" create-param *(SP create-param) ")"]',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const mailbox = args.mailbox();
    const specialUse: string[] = [];
    const params = args.optionalList('create parameters');
    let sawUse = false;
    while (params !== undefined && !params.atEnd()) {
      if (params.keyword('create parameter') !== 'USE' || sawUse) throw syntaxError('Unknown or repeated create parameter');
      sawUse = true;
      const uses = params.list('USE attributes');
      while (!uses.atEnd()) specialUse.push(readUseAttribute(uses));
    }
    return { name: 'CREATE', mailbox, specialUse };
  },
});
