// Every failure of the wire layer is a ProtoError with a stable code. The session maps an
// error to a tagged (or, without a tag, untagged) response with `responseForError` in
// response.ts; nothing here decides about connections or logging. Messages never echo the
// client's bytes, so a password or message fragment can never end up in a reply or a log.

export type ProtoErrorCode =
  /** A command line (one fragment between literals) exceeds the receiver's line limit. */
  | 'LINE_TOO_LONG'
  /** A literal is larger than the limit for its command (APPEND has its own, larger one). */
  | 'LITERAL_TOO_LARGE'
  /** LITERAL-: a non-synchronising literal above 4096 bytes (RFC 7888). */
  | 'NON_SYNC_LITERAL_TOO_LARGE'
  /** The lines and literals of one command together exceed the command limit. */
  | 'COMMAND_TOO_LARGE'
  /** Parentheses nested deeper than the receiver allows. */
  | 'NESTING_TOO_DEEP'
  /** Malformed syntax: the message says what was expected. */
  | 'SYNTAX'
  /** The line has no valid tag. */
  | 'INVALID_TAG'
  | 'UNKNOWN_COMMAND'
  | 'INVALID_NUMBER'
  | 'INVALID_SEQUENCE_SET'
  | 'INVALID_DATE'
  | 'INVALID_FLAG'
  /** A mailbox name that is not valid modified UTF-7 (or UTF-8 under UTF8=ACCEPT). */
  | 'INVALID_MAILBOX_NAME'
  /** A string that is not valid in its declared character set. */
  | 'INVALID_STRING'
  /** SEARCH/SORT/THREAD CHARSET the server cannot decode. */
  | 'BAD_CHARSET'
  | 'INVALID_BASE64'
  /** Anything but DONE while IDLE. */
  | 'IDLE_EXPECTED_DONE'
  /** APPEND of more than one message in one command (MULTIAPPEND is not offered). */
  | 'MULTIAPPEND_UNSUPPORTED'
  /** A message number above the number of messages in the mailbox. */
  | 'MESSAGE_NUMBER_OUT_OF_RANGE'
  /** A response object that cannot be put on the wire (a server bug, never client input). */
  | 'INVALID_RESPONSE';

export class ProtoError extends Error {
  readonly code: ProtoErrorCode;
  /** The command's tag when it was read before the error, so the reply can be tagged. */
  tag: string | undefined;
  /** Charsets to list in [BADCHARSET (...)] for code BAD_CHARSET. */
  readonly charsets: readonly string[] | undefined;

  constructor(code: ProtoErrorCode, message: string, charsets?: readonly string[]) {
    super(message);
    this.name = 'ProtoError';
    this.code = code;
    this.tag = undefined;
    this.charsets = charsets;
  }
}

export function syntaxError(message: string): ProtoError {
  return new ProtoError('SYNTAX', message);
}
