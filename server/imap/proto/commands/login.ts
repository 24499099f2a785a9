// tag LOGIN userid SP password        (userid and password are astrings)
// The session must refuse LOGIN without TLS ([PRIVACYREQUIRED]) and never log the password.
import { NOT_AUTHENTICATED, defineCommand } from './spec.ts';

export interface LoginRequest {
  readonly name: 'LOGIN';
  readonly username: string;
  readonly password: string;
}

export const loginCommand = defineCommand<LoginRequest>({
  name: 'LOGIN',
  grammar: 'tag LOGIN userid SP password',
  states: NOT_AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const username = args.astring('user name');
    const password = args.astring('password');
    return { name: 'LOGIN', username, password };
  },
});
