// What the IMAP front-end takes from the configuration.
import type { Config } from '../config/schema.ts';

export interface ImapConfig {
  limits: Config['imap']['limits'];
  /** APPENDLIMIT (RFC 7889): the message size limit of the whole service. */
  appendLimit: number;
  /** A connection not logged in this long after it connected is closed (clients.loginTimeoutMs). */
  loginTimeoutMs: number;
}
