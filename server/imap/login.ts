// IMAP's answers to a login with an app password (docs/design.md, Keys), shared by LOGIN and
// AUTHENTICATE PLAIN. The login itself (throttle, unlock, fixed failure delay) is
// server/auth/app-password-login.ts; here only TLS is required first, the session limit per
// account is applied, and each outcome gets its response code.
import type { LoginOutcome } from '../auth/app-password-login.ts';
import type { CommandResult } from './command.ts';
import { capabilities } from './capabilities.ts';
import type { Session } from './session.ts';

export async function logIn(session: Session, address: string, secret: string): Promise<CommandResult> {
  if (!session.secure) return { status: 'NO', code: { code: 'PRIVACYREQUIRED' }, text: 'Use STARTTLS first' };
  const { login, config, connections, logger } = session.services;
  let outcome: LoginOutcome;
  try {
    outcome = await login.attempt(address, secret, session.loginSource);
  } catch (error) {
    logger.error({ session: session.id, code: (error as { code?: unknown }).code }, 'imap: login error');
    return { status: 'NO', code: { code: 'UNAVAILABLE' }, text: 'Temporary failure, try again later' };
  }
  switch (outcome.kind) {
    case 'throttled':
      logger.info({ session: session.id }, 'imap: login throttled');
      return { status: 'NO', code: { code: 'UNAVAILABLE' }, text: 'Too many failed logins, try again later' };
    case 'failed':
      logger.info({ session: session.id }, 'imap: login failed');
      return { status: 'NO', code: { code: 'AUTHENTICATIONFAILED' }, text: 'Invalid address or app password' };
    case 'disabled':
      return { status: 'NO', code: { code: 'EXPIRED' }, text: outcome.reason };
  }
  const { unlocked } = outcome;
  if (!connections.tryAdd(unlocked.accountId, config.limits.maxConnectionsPerAccount)) {
    session.services.crypto.wipe(unlocked.keys.masterKey, unlocked.keys.privateKey, unlocked.keys.publicKey);
    logger.info({ session: session.id }, 'imap: too many sessions for one account');
    return { status: 'NO', code: { code: 'LIMIT' }, text: 'Too many sessions for this account' };
  }
  session.authenticate({ accountId: unlocked.accountId, slotId: unlocked.slotId, address: address.toLowerCase(), keys: unlocked.keys });
  // The account id at debug only: at info, lines of logins would be an activity trail.
  logger.info({ session: session.id }, 'imap: logged in');
  logger.debug({ session: session.id, account: unlocked.accountId }, 'imap: session account');
  return { status: 'OK', code: { code: 'CAPABILITY', capabilities: capabilities(session) }, text: 'Logged in' };
}
