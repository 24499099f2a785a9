// Mail-core errors are coded once here and mapped per protocol by each front-end
// (IMAP `NO [NONEXISTENT]`, SMTP `550 5.1.1`, HTTP 404). Messages are safe to show to the
// user: they never contain keys, passwords, client addresses or message content.

export type MailErrorCode =
  | 'ADDRESS_INVALID'
  | 'ADDRESS_TAKEN'
  | 'ADDRESS_LIMIT'
  | 'DOMAIN_UNKNOWN'
  | 'ACCOUNT_NONEXISTENT'
  | 'MAILBOX_NONEXISTENT'
  | 'MAILBOX_EXISTS'
  | 'MAILBOX_HAS_CHILDREN'
  /** INBOX, or the last folder of a default special use: the mailbox always keeps these. */
  | 'MAILBOX_PROTECTED'
  | 'MESSAGE_NONEXISTENT'
  | 'AUTHENTICATION_FAILED'
  | 'MESSAGE_TOO_LARGE'
  | 'QUOTA_EXCEEDED'
  | 'MESSAGE_EXCEEDS_QUOTA'
  | 'KEYS_REQUIRED'
  | 'INVALID_ARGUMENT'
  /** Logins with app passwords (IMAP, POP3, submission) to an account without credit;
   * the web client still lets the user in to top up or export. */
  | 'ACCOUNT_DISABLED'
  /** Mail to an account whose receiving is off (credit ran out, or the inactivity rule). */
  | 'MAILBOX_DISABLED'
  | 'PAYMENT_CODE_MISTYPED'
  | 'PAYMENT_CODE_UNKNOWN'
  | 'PAYMENT_CODE_LIMIT'
  | 'VOUCHER_MISTYPED'
  | 'VOUCHER_INVALID'
  | 'VOUCHER_USED'
  | 'AMOUNT_INVALID'
  | 'BALANCE_LIMIT'
  | 'RECEIPT_NONEXISTENT'
  /** Sending: the envelope sender, From or Sender is not one of the account's addresses. */
  | 'SENDER_NOT_OWNED'
  /** Sending: the account's hourly messages or daily recipients are used up. */
  | 'SENDING_LIMIT'
  | 'TOO_MANY_RECIPIENTS'
  /** Sending: a recipient on another server while outbound delivery is off. */
  | 'REMOTE_DELIVERY_UNAVAILABLE'
  | 'HEADER_SECTION_TOO_LARGE';

export class MailError extends Error {
  constructor(
    readonly code: MailErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailError';
  }
}

export function isMailError(error: unknown, code?: MailErrorCode): error is MailError {
  return error instanceof MailError && (code === undefined || error.code === code);
}
