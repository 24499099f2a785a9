// Mail-core errors (coded once in server/core/errors.ts) mapped to IMAP tagged replies with
// their RFC 5530 response codes. A full disk is NO [UNAVAILABLE] and said so. Anything
// unexpected becomes NO [SERVERBUG] and is logged
// by code only: never a key, a name, an address or message content.
import { CryptoError } from '../../crypto/api.ts';
import { isMailError, type MailErrorCode } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import { isOutOfSpace, outOfSpace } from '../out-of-space.ts';
import type { ResponseCode } from './proto/index.ts';

export interface CommandResult {
  status: 'OK' | 'NO' | 'BAD';
  code?: ResponseCode;
  text: string;
}

const MAIL_ERRORS: Partial<Record<MailErrorCode, CommandResult>> = {
  MAILBOX_NONEXISTENT: { status: 'NO', code: { code: 'NONEXISTENT' }, text: 'No such mailbox' },
  MAILBOX_EXISTS: { status: 'NO', code: { code: 'ALREADYEXISTS' }, text: 'Mailbox already exists' },
  MAILBOX_HAS_CHILDREN: { status: 'NO', code: { code: 'HASCHILDREN' }, text: 'Mailbox has children, delete them first' },
  MAILBOX_PROTECTED: { status: 'NO', code: { code: 'CANNOT' }, text: 'This mailbox cannot be deleted' },
  MESSAGE_NONEXISTENT: { status: 'NO', code: { code: 'EXPUNGEISSUED' }, text: 'The message no longer exists' },
  QUOTA_EXCEEDED: { status: 'NO', code: { code: 'OVERQUOTA' }, text: 'Quota exceeded' },
  MESSAGE_EXCEEDS_QUOTA: { status: 'NO', code: { code: 'OVERQUOTA' }, text: 'The message is larger than the quota' },
  MESSAGE_TOO_LARGE: { status: 'NO', code: { code: 'TOOBIG' }, text: 'Message too large' },
  AUTHENTICATION_FAILED: { status: 'NO', code: { code: 'AUTHENTICATIONFAILED' }, text: 'Authentication failed' },
  ACCOUNT_NONEXISTENT: { status: 'NO', code: { code: 'UNAVAILABLE' }, text: 'The account is gone' },
};

/** The reply for an error a handler did not handle itself. */
export function resultForError(error: unknown, logger: Logger, command: string): CommandResult {
  if (isMailError(error)) {
    const known = MAIL_ERRORS[error.code];
    if (known) return known;
    // INVALID_ARGUMENT and the like: the message is written for users (errors.ts).
    return { status: 'NO', code: { code: 'CANNOT' }, text: error.message };
  }
  if (error instanceof CryptoError) {
    logger.error({ command, code: error.code }, 'imap: stored data did not decrypt');
    return { status: 'NO', code: { code: 'CORRUPTION' }, text: 'Stored data could not be read' };
  }
  if (isOutOfSpace(error)) {
    outOfSpace.report(logger);
    return { status: 'NO', code: { code: 'UNAVAILABLE' }, text: 'The server is out of storage space, try again later' };
  }
  // Name and code only: a parser's message may quote the decrypted bytes it choked on.
  const { name, code } = error as { name?: unknown; code?: unknown };
  logger.error({ command, type: String(name), code }, 'imap: command failed');
  return { status: 'NO', code: { code: 'SERVERBUG' }, text: 'Internal error, try again later' };
}
