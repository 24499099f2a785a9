// tag CAPABILITY
import { ANY_STATE, defineBareCommand } from './spec.ts';

export const capabilityCommand = defineBareCommand('CAPABILITY', ANY_STATE);
export type CapabilityRequest = { readonly name: 'CAPABILITY' };
