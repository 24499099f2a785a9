// tag NOOP
// NOOP is the client's way to collect pending updates, EXPUNGE included (RFC 3501 6.1.2).
import { ANY_STATE, defineBareCommand } from './spec.ts';

export const noopCommand = defineBareCommand('NOOP', ANY_STATE);
export type NoopRequest = { readonly name: 'NOOP' };
