// tag AUTHENTICATE auth-type [SP (base64 / "=")]
// The optional initial response is SASL-IR (RFC 4959); "=" is an empty initial response.
// Further client responses arrive as 'auth-response' events once the session has called
// Receiver.expectAuthenticationResponse(tag) after sending a challenge.
import { decodeBase64 } from '../base64.ts';
import { asciiBytes } from '../chars.ts';
import { ProtoError } from '../errors.ts';
import { NOT_AUTHENTICATED, defineCommand } from './spec.ts';

export interface AuthenticateRequest {
  readonly name: 'AUTHENTICATE';
  /** Upper case, e.g. "PLAIN". */
  readonly mechanism: string;
  /** Decoded initial response; undefined when the client sent none. */
  readonly initialResponse: Uint8Array | undefined;
}

export const authenticateCommand = defineCommand<AuthenticateRequest>({
  name: 'AUTHENTICATE',
  grammar: 'tag AUTHENTICATE auth-type [SP (base64 / "=")]',
  states: NOT_AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const mechanism = args.keyword('authentication mechanism');
    if (args.atEnd()) return { name: 'AUTHENTICATE', mechanism, initialResponse: undefined };
    const text = args.atom('initial response');
    if (text === '=') return { name: 'AUTHENTICATE', mechanism, initialResponse: new Uint8Array(0) };
    const initialResponse = decodeBase64(asciiBytes(text));
    if (initialResponse === undefined) {
      throw new ProtoError('INVALID_BASE64', 'Initial response is not valid base64');
    }
    return { name: 'AUTHENTICATE', mechanism, initialResponse };
  },
});
