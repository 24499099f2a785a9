// How the SMTP listeners (MX and submission) answer mail-core errors: every MailError code an
// SMTP session can meet, mapped once to a reply code, an enhanced status code (RFC 3463) and
// a text, as server/imap/errors.ts and server/web/errors.ts do for theirs. Anything not
// mapped (an I/O error, a bug) is a local error the client may retry: 451 4.3.0.
import { isMailError, type MailError, type MailErrorCode } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import { isOutOfSpace, outOfSpace } from '../out-of-space.ts';
import type { ConfiguredReply } from './configured-reply.ts';
import { smtpReply, type SmtpReplyError } from './enhanced-status.ts';

export interface SmtpErrorSettings {
  messageMaxBytes: number;
  /** The operator's answer for a mailbox whose receiving is off (lifecycle.disabledMailboxReply). */
  disabledReply: ConfiguredReply;
}

type Answer = ConfiguredReply | ((error: MailError, settings: SmtpErrorSettings) => ConfiguredReply);

const ANSWERS: Partial<Record<MailErrorCode, Answer>> = {
  ADDRESS_INVALID: (error) => ({ code: 553, enhancedStatus: '5.1.3', text: `Bad recipient address: ${error.message}` }),
  // At the MX: a domain that is not ours; we are no relay.
  DOMAIN_UNKNOWN: { code: 554, enhancedStatus: '5.7.1', text: 'Relay access denied: this server accepts mail only for its own domains' },
  ACCOUNT_NONEXISTENT: { code: 550, enhancedStatus: '5.1.1', text: 'No such user here' },
  MAILBOX_DISABLED: (_error, settings) => settings.disabledReply,
  MESSAGE_TOO_LARGE: (_error, settings) => ({
    code: 552,
    enhancedStatus: '5.3.4',
    text: `Message exceeds the size limit of ${settings.messageMaxBytes} octets`,
  }),
  HEADER_SECTION_TOO_LARGE: { code: 552, enhancedStatus: '5.3.4', text: 'The header section of the message is too large' },
  MESSAGE_EXCEEDS_QUOTA: { code: 552, enhancedStatus: '5.2.2', text: 'Message is larger than the mailbox quota' },
  QUOTA_EXCEEDED: { code: 452, enhancedStatus: '4.2.2', text: 'Mailbox is full, try again later' },
  SENDER_NOT_OWNED: (error) => ({ code: 553, enhancedStatus: '5.7.1', text: sentence(error.message) }),
  SENDING_LIMIT: (error) => ({ code: 450, enhancedStatus: '4.7.1', text: error.message }),
  TOO_MANY_RECIPIENTS: (error) => ({ code: 452, enhancedStatus: '4.5.3', text: `Too many recipients: ${error.message}` }),
  REMOTE_DELIVERY_UNAVAILABLE: { code: 550, enhancedStatus: '5.7.1', text: 'This server does not deliver mail to other domains' },
};

/** Mail-core messages are lowercase phrases; a reply line reads as a sentence. */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const LOCAL_ERROR: ConfiguredReply = { code: 451, enhancedStatus: '4.3.0', text: 'Local error, try again later' };

/** The reply for a mail-core error; null for anything else (the caller logs it and answers
 * with localError). */
export function smtpReplyForMailError(session: { pendingEnhancedStatus?: string }, error: unknown, settings: SmtpErrorSettings): SmtpReplyError | null {
  if (!isMailError(error)) return null;
  const answer = ANSWERS[error.code];
  if (!answer) return null;
  const reply = typeof answer === 'function' ? answer(error, settings) : answer;
  return smtpReply(session, reply.code, reply.enhancedStatus, reply.text);
}

/** A rejection already shaped as an SMTP reply (by a hook or the checks), passed on as it is. */
export function isSmtpReply(error: unknown): error is SmtpReplyError {
  return typeof (error as { responseCode?: unknown } | null)?.responseCode === 'number';
}

/** 452 4.3.1 when the store is out of space (RFC 3463: mail system full), reported to the
 * alarm instead of logged per message; null for any other error. */
export function outOfSpaceReply(session: { pendingEnhancedStatus?: string }, error: unknown, logger: Logger): SmtpReplyError | null {
  if (!isOutOfSpace(error)) return null;
  outOfSpace.report(logger);
  return smtpReply(session, 452, '4.3.1', 'Insufficient system storage, try again later');
}

export function localError(session: { pendingEnhancedStatus?: string }): SmtpReplyError {
  return smtpReply(session, LOCAL_ERROR.code, LOCAL_ERROR.enhancedStatus, LOCAL_ERROR.text);
}
