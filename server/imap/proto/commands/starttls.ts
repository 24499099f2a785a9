// tag STARTTLS
// The session must discard anything the receiver still buffers after this command
// (Receiver.takeBuffered): bytes sent before the TLS handshake must never be read as
// commands of the protected session (the STARTTLS command-injection attack, CVE-2011-0411).
import { NOT_AUTHENTICATED, defineBareCommand } from './spec.ts';

export const starttlsCommand = defineBareCommand('STARTTLS', NOT_AUTHENTICATED);
export type StarttlsRequest = { readonly name: 'STARTTLS' };
