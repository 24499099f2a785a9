// tag IDLE   (RFC 2177)
// After "+ idling" the session calls Receiver.expectIdleDone(tag); the DONE line arrives
// as an 'idle-done' event.
import { AUTHENTICATED, defineBareCommand } from './spec.ts';

export const idleCommand = defineBareCommand('IDLE', AUTHENTICATED);
export type IdleRequest = { readonly name: 'IDLE' };
