// tag CLOSE
// Expunges \Deleted messages silently (no EXPUNGE responses) and deselects.
import { SELECTED, defineBareCommand } from './spec.ts';

export const closeCommand = defineBareCommand('CLOSE', SELECTED, { expunges: true });
export type CloseRequest = { readonly name: 'CLOSE' };
