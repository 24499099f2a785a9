// tag AUTHENTICATE auth-type [SP (base64 / "=")]     (RFC 9051 6.2.2, SASL-IR RFC 4959)
// PLAIN only (RFC 4616): [authzid] NUL authcid NUL passwd, UTF-8. An authorization
// identity other than the address itself is refused: nobody may act as another user.
import type { CommandHandler, CommandResult } from '../command.ts';
import { bad, no } from '../command.ts';
import { logIn } from '../login.ts';
import type { AuthenticateRequest } from '../proto/commands/authenticate.ts';
import type { Session } from '../session.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function plain(session: Session, message: Uint8Array): Promise<CommandResult> {
  const first = message.indexOf(0);
  const second = first < 0 ? -1 : message.indexOf(0, first + 1);
  if (second < 0 || message.indexOf(0, second + 1) >= 0) return bad('Malformed PLAIN response');
  let authzid: string;
  let authcid: string;
  let password: string;
  try {
    authzid = utf8.decode(message.subarray(0, first));
    authcid = utf8.decode(message.subarray(first + 1, second));
    password = utf8.decode(message.subarray(second + 1));
  } catch {
    return bad('PLAIN response is not UTF-8');
  }
  if (authzid !== '' && authzid.toLowerCase() !== authcid.toLowerCase()) {
    return no('Acting as another user is not allowed', { code: 'AUTHORIZATIONFAILED' });
  }
  return logIn(session, authcid, password);
}

export const authenticate: CommandHandler<AuthenticateRequest> = async (ctx, request) => {
  const { session } = ctx;
  if (request.mechanism !== 'PLAIN') return no('Unsupported authentication mechanism', { code: 'CANNOT' });
  if (!session.secure) return no('Use STARTTLS first', { code: 'PRIVACYREQUIRED' });
  if (request.initialResponse !== undefined) return plain(session, request.initialResponse);
  return { challenge: new Uint8Array(0), respond: (data) => plain(session, data) };
};
