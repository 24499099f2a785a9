// tag UNSELECT   (RFC 3691)
import { SELECTED, defineBareCommand } from './spec.ts';

export const unselectCommand = defineBareCommand('UNSELECT', SELECTED);
export type UnselectRequest = { readonly name: 'UNSELECT' };
