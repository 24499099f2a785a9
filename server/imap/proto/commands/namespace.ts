// tag NAMESPACE   (RFC 2342)
import { AUTHENTICATED, defineBareCommand } from './spec.ts';

export const namespaceCommand = defineBareCommand('NAMESPACE', AUTHENTICATED);
export type NamespaceRequest = { readonly name: 'NAMESPACE' };
