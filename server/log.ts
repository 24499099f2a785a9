// Structured logging with pino. Sealpost never logs a client IP, a password, a key or
// message content (docs/design.md promise 4): call sites log ids, counts and outcomes only, and
// the redaction below is a second line of defence for fields that libraries attach.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names that could carry a secret or a client address if a library attached them. */
const REDACTED_FIELDS = [
  'remoteAddress',
  'remotePort',
  'clientHostname',
  'ip',
  'ips',
  'host',
  'password',
  'pass',
  'authKey',
  'masterKey',
  'key',
  'keys',
  'secret',
  'appPassword',
  'content',
  'subject',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((field) => `*.${field}`)], remove: true },
      serializers: { err: serializeError, error: serializeError },
    },
    destination,
  );
}

/** Errors are logged by code and message only: library errors may carry addresses in other
 * properties (smtp-server attaches remoteAddress). */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(code !== undefined ? { code } : {}) };
}
