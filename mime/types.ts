// The message summary: everything IMAP FETCH (ENVELOPE, BODYSTRUCTURE, BODY[section]
// ranges), SORT, THREAD and the webmail list need, computed once at ingest while the
// plaintext is in memory, then stored inside the message's encrypted metadata record.
// It is plain JSON (no Dates, no Maps, no typed arrays) and versioned by `v`: a reader that
// meets a version it does not know must treat the summary as absent and rebuild it from
// the decrypted message.
//
// Compactness rule: optional fields are left out when empty or at their RFC default, so a
// typical summary is a few hundred bytes. Byte offsets index the raw message exactly as it
// was analysed (and therefore as stored).

export const SUMMARY_VERSION = 1;

export interface MessageSummary {
  v: typeof SUMMARY_VERSION;
  /** Octets of the whole message. */
  size: number;
  /** Number of LF octets in the whole message. */
  lines: number;
  /** End of the top-level header block, blank line included (= start of the body). */
  headersEnd: number;
  envelope: Envelope;
  /** The message's body part; its header range is the top-level header block. */
  structure: MimePart;
  sortKeys: SortKeys;
  threading: Threading;
  /** Up to PREVIEW_CHARS characters of decoded text, whitespace collapsed; '' if none. */
  preview: string;
  hasAttachments: boolean;
  attachments: AttachmentInfo[];
  /** What was malformed, each code once, in order of discovery; absent when nothing was. */
  defects?: DefectCode[];
}

/**
 * RFC 3501 ENVELOPE inputs. Strings are raw header values, unfolded, leading whitespace
 * removed, with NUL/CR/LF removed and 8-bit octets read as UTF-8 (or windows-1252 when not
 * valid UTF-8): encoded words are kept, as IMAP sends them. null = header absent.
 */
export interface Envelope {
  date: string | null;
  subject: string | null;
  /** The subject with encoded words decoded; present only when it differs from `subject`. */
  decodedSubject?: string;
  from: AddressEntry[];
  /** As in the header; empty when absent. The RFC 3501 "default to From" rule is applied
   * when rendering (imap-format.ts), not here, so display code can tell them apart. */
  sender: AddressEntry[];
  replyTo: AddressEntry[];
  to: AddressEntry[];
  cc: AddressEntry[];
  bcc: AddressEntry[];
  inReplyTo: string | null;
  messageId: string | null;
}

/** One element of an address list, in header order (RFC 3501 group syntax preserved). */
export type AddressEntry = MailboxAddress | GroupStart | GroupEnd;

export interface MailboxAddress {
  /** Display name as IMAP sends it: quotes and escapes removed, encoded words kept. */
  name: string | null;
  /** Decoded display name; present only when it differs from `name`. */
  decodedName?: string;
  /** Obsolete source route ("@a,@b"); absent when none. */
  route?: string;
  /** Local part in its lexical form (a quoted local part keeps its quotes); '' if missing. */
  mailbox: string;
  /** Domain; '' if missing. */
  host: string;
}

export interface GroupStart {
  group: string;
  decodedGroup?: string;
}

export interface GroupEnd {
  groupEnd: true;
}

/** A content parameter: lowercase name and decoded value (RFC 2231 continuations joined and
 * charset-decoded, RFC 2047 words decoded). `raw` is the wire value when it differs from
 * `value`; `extended` marks an RFC 2231 extended value, sent on the wire as `name*`. */
export interface ContentParam {
  name: string;
  value: string;
  raw?: string;
  extended?: true;
}

export interface MimePart {
  /** Lowercase media type and subtype, defaults applied (text/plain, or message/rfc822 in a
   * multipart/digest). */
  type: string;
  subtype: string;
  params?: ContentParam[];
  /** Content-ID, raw. */
  id?: string;
  /** Content-Description, raw (encoded words kept). */
  description?: string;
  /** Lowercase Content-Transfer-Encoding token; absent means 7bit. */
  encoding?: string;
  disposition?: { type: string; params?: ContentParam[] };
  language?: string[];
  location?: string;
  /** Start of this part's header block (its MIME header; for a message root, the message
   * header). */
  headerStart: number;
  /** End of the header block, blank line included; also where the body starts. */
  headerEnd: number;
  /** End of the body. For a part inside a multipart, the line break before the next
   * boundary belongs to the boundary, not to the body (RFC 2046 section 5.1.1). The body
   * size IMAP reports (encoded octets) is bodyEnd - headerEnd. */
  bodyEnd: number;
  /** LF octets in the body. */
  lines: number;
  /** Multipart only: the boundary (absent when missing or unusable) and the parts found. */
  boundary?: string;
  children?: MimePart[];
  /** message/rfc822 only, when the encapsulated message was parsed. */
  message?: EncapsulatedMessage;
}

export interface EncapsulatedMessage {
  envelope: Envelope;
  /** The encapsulated message's body part; its header range is that message's header. */
  structure: MimePart;
}

/**
 * Ready-to-compare SORT keys (RFC 5256, RFC 5957): strings are case-mapped (Unicode
 * upper case after NFKD) so plain code-unit comparison gives the collation order.
 */
export interface SortKeys {
  /** Base subject (RFC 5256 section 2.1). */
  subject: string;
  /** addr-mailbox of the first From / To / Cc address, unquoted; '' if none. */
  from: string;
  to: string;
  cc: string;
  /** RFC 5957 DISPLAY: decoded display name of the first address, else mailbox@host. */
  displayFrom: string;
  displayTo: string;
  /** Date header as epoch milliseconds; null when missing or unparseable (the caller then
   * uses INTERNALDATE, as RFC 5256 requires). */
  sentDate: number | null;
}

/** Inputs of THREAD=REFERENCES and ORDEREDSUBJECT; msg-ids without angle brackets. */
export interface Threading {
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  /** The subject had a reply/forward marker (RFC 5256 section 2.1, used by THREAD). */
  isReplyOrForward: boolean;
}

export interface AttachmentInfo {
  /** IMAP part number, e.g. [2, 1] for BODY[2.1]. */
  path: number[];
  filename: string | null;
  /** "type/subtype". */
  type: string;
  /** Encoded octets (base64 is about 4/3 of the decoded size). */
  size: number;
  encoding?: string;
}

/** What was wrong with the input; the summary is still complete for everything else. */
export type DefectCode =
  /** A Content-Type that is not type/subtype: the part was taken as text/plain. */
  | 'INVALID_CONTENT_TYPE'
  /** A multipart with a missing, empty, over-long or non-ASCII boundary: no parts. */
  | 'MULTIPART_WITHOUT_BOUNDARY'
  /** A multipart ended (by its parent's boundary or the end of input) without "--b--". */
  | 'MISSING_FINAL_BOUNDARY'
  /** Containers nested beyond MAX_NESTING_DEPTH were kept as opaque parts. */
  | 'NESTING_TOO_DEEP'
  /** More than MAX_PARTS parts: the rest stayed in the last part's body. */
  | 'TOO_MANY_PARTS'
  /** A header line longer than HEADER_LINE_CAP, or a field longer than HEADER_FIELD_CAP,
   * or the whole message over RETAINED_HEADER_BUDGET: the values kept are cut short. */
  | 'HEADER_LINE_TRUNCATED'
  | 'HEADER_FIELD_TRUNCATED'
  | 'HEADER_BUDGET_EXHAUSTED'
  /** More than MAX_ADDRESSES mailboxes in the message's envelopes: the rest were dropped. */
  | 'TOO_MANY_ADDRESSES'
  /** NUL octets in a header (removed from the values kept). */
  | 'NUL_IN_HEADER'
  /** message/rfc822 with a base64 or quoted-printable encoding: kept as an opaque part. */
  | 'ENCODED_RFC822';
