// Login with an app password (DESIGN.md section 2), shared by LOGIN and AUTHENTICATE PLAIN.
// The account password is never accepted here: only the fast app-secret path exists. A
// failure takes the same time whatever failed (unknown address, wrong or malformed secret,
// throttled), and says the same; the throttle counts in memory only.
import { isMailError } from '../core/errors.ts';
import { capabilities } from './capabilities.ts';
import type { CommandResult } from './command.ts';
import type { Session } from './session.ts';

/** Every failed login is answered this long after it began: slower than any lookup, so
 * the answer's timing cannot tell an unknown address from a wrong secret, and a client
 * can try only a few secrets per second per connection. */
export const FAILURE_RESPONSE_MS = 250;

/** Longest address or secret considered; longer input cannot be valid. */
const MAX_CREDENTIAL_LENGTH = 1024;

export async function logIn(session: Session, address: string, secret: string): Promise<CommandResult> {
  if (!session.secure) return { status: 'NO', code: { code: 'PRIVACYREQUIRED' }, text: 'Use STARTTLS first' };
  const started = Date.now();
  const { core, throttle, config, connections, logger } = session.services;
  const failed = async (result: CommandResult): Promise<CommandResult> => {
    const wait = started + FAILURE_RESPONSE_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return result;
  };
  const rejected: CommandResult = { status: 'NO', code: { code: 'AUTHENTICATIONFAILED' }, text: 'Invalid address or app password' };
  if (throttle.isBlocked(session.clientAddress, address)) {
    logger.info({ session: session.id }, 'imap: login throttled');
    return failed({ status: 'NO', code: { code: 'UNAVAILABLE' }, text: 'Too many failed logins, try again later' });
  }
  if (address.length > MAX_CREDENTIAL_LENGTH || secret.length > MAX_CREDENTIAL_LENGTH) {
    throttle.recordFailure(session.clientAddress, address);
    return failed(rejected);
  }
  let unlocked;
  try {
    unlocked = await core.accounts.unlockWithAppSecret(address, secret);
  } catch (error) {
    // Said only once the secret proved right (the core checks the account's standing last).
    if (isMailError(error, 'ACCOUNT_DISABLED')) return failed({ status: 'NO', code: { code: 'EXPIRED' }, text: error.message });
    if (!isMailError(error, 'AUTHENTICATION_FAILED')) logger.error({ session: session.id, code: (error as { code?: unknown }).code }, 'imap: login error');
    throttle.recordFailure(session.clientAddress, address);
    logger.info({ session: session.id }, 'imap: login failed');
    return failed(rejected);
  }
  throttle.recordSuccess(session.clientAddress);
  if (!connections.tryAdd(unlocked.accountId, config.limits.maxConnectionsPerAccount)) {
    session.services.crypto.wipe(unlocked.keys.masterKey, unlocked.keys.privateKey, unlocked.keys.publicKey);
    logger.info({ session: session.id, account: unlocked.accountId }, 'imap: too many sessions');
    return { status: 'NO', code: { code: 'LIMIT' }, text: 'Too many sessions for this account' };
  }
  session.authenticate({ accountId: unlocked.accountId, address: address.toLowerCase(), keys: unlocked.keys });
  logger.info({ session: session.id, account: unlocked.accountId }, 'imap: logged in');
  return { status: 'OK', code: { code: 'CAPABILITY', capabilities: capabilities(session) }, text: 'Logged in' };
}
