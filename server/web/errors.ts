// How the web API reports errors: `{ code, message }` with an HTTP status. Mail-core codes
// are mapped once here (coded once, mapped per protocol: docs/design.md, Architecture); the web layer's own
// codes are below. Messages are safe to show: never a key, a password or content.
import { isOutOfSpace, outOfSpace } from '../out-of-space.ts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CryptoError } from '../../crypto/api.ts';
import { MailError, type MailErrorCode } from '../core/errors.ts';
import type { Logger } from '../log.ts';

export type WebErrorCode =
  | 'INVALID_REQUEST'
  | 'NOT_AUTHENTICATED'
  | 'CSRF_REJECTED'
  | 'RATE_LIMITED'
  | 'PROOF_OF_WORK_FAILED'
  | 'SIGNUP_DISABLED'
  | 'KDF_TOO_WEAK'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'BILLING_DISABLED'
  | 'INTERNAL';

export class WebError extends Error {
  constructor(
    readonly code: WebErrorCode,
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'WebError';
  }
}

/** Codes other engineers add later default to 400 until mapped here. */
const MAIL_ERROR_STATUS: Partial<Record<MailErrorCode, number>> = {
  ADDRESS_INVALID: 400,
  ADDRESS_TAKEN: 409,
  ADDRESS_LIMIT: 409,
  DOMAIN_UNKNOWN: 400,
  ACCOUNT_NONEXISTENT: 404,
  MAILBOX_NONEXISTENT: 404,
  MAILBOX_EXISTS: 409,
  MESSAGE_NONEXISTENT: 404,
  AUTHENTICATION_FAILED: 401,
  MESSAGE_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 507,
  MESSAGE_EXCEEDS_QUOTA: 507,
  KEYS_REQUIRED: 409,
  INVALID_ARGUMENT: 400,
  MAILBOX_HAS_CHILDREN: 409,
  MAILBOX_PROTECTED: 403,
  ACCOUNT_DISABLED: 403,
  MAILBOX_DISABLED: 403,
  PAYMENT_CODE_LIMIT: 409,
  VOUCHER_USED: 409,
  BALANCE_LIMIT: 409,
  RECEIPT_NONEXISTENT: 404,
  SENDER_NOT_OWNED: 403,
  SENDING_LIMIT: 429,
  TOO_MANY_RECIPIENTS: 400,
  REMOTE_DELIVERY_UNAVAILABLE: 503,
  HEADER_SECTION_TOO_LARGE: 413,
};

function mailStatus(code: MailErrorCode): number {
  return MAIL_ERROR_STATUS[code] ?? 400;
}

export function createErrorHandler(logger: Logger) {
  return function handleError(error: FastifyError | Error, _request: FastifyRequest, reply: FastifyReply): void {
    if (error instanceof WebError) {
      if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
      void reply.status(error.status).send({ code: error.code, message: error.message });
      return;
    }
    if (error instanceof MailError) {
      void reply.status(mailStatus(error.code)).send({ code: error.code, message: error.message });
      return;
    }
    if (error instanceof CryptoError) {
      void reply.status(400).send({ code: 'INVALID_REQUEST', message: `malformed key material (${error.code})` });
      return;
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      void reply.status(400).send({ code: 'INVALID_REQUEST', message: fastifyError.message });
      return;
    }
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      void reply.status(413).send({ code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' });
      return;
    }
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      void reply.status(fastifyError.statusCode).send({ code: 'INVALID_REQUEST', message: fastifyError.message });
      return;
    }
    if (isOutOfSpace(error)) {
      outOfSpace.report(logger);
      void reply.status(507).send({ code: 'STORAGE_FULL', message: 'the server is out of storage space; try again later' });
      return;
    }
    logger.error({ err: error }, 'web request failed');
    void reply.status(500).send({ code: 'INTERNAL', message: 'internal error' });
  };
}
