// tag CHECK
// RFC 9051 removed CHECK; IMAP4rev1 clients still send it, and it behaves as NOOP.
import { SELECTED, defineBareCommand } from './spec.ts';

export const checkCommand = defineBareCommand('CHECK', SELECTED);
export type CheckRequest = { readonly name: 'CHECK' };
