// Schema pieces shared by the route groups of the web API (typebox → JSON Schema, checked
// by fastify before a handler runs). Binary values travel as base64 with bounded length.
import { Type, type TSchema } from '@sinclair/typebox';

/** Standard base64 of at most `maxBytes` bytes. */
export function Base64(maxBytes: number, options: { minBytes?: number } = {}) {
  return Type.String({
    pattern: '^[A-Za-z0-9+/]*={0,2}$',
    maxLength: Math.ceil(maxBytes / 3) * 4,
    minLength: options.minBytes ? Math.ceil(options.minBytes / 3) * 4 : 0,
  });
}

/** A 32-byte key or verifier in base64 (44 characters). */
export const Base64Key = Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' });

/** Addresses are checked by the core; this bounds their size (RFC 5321: 254 octets). */
export const Address = Type.String({ minLength: 3, maxLength: 254 });

export const FolderId = Type.String({ pattern: '^[0-9a-f]{1,64}$' });

/** IMAP UIDs are 32-bit unsigned, never 0. */
export const Uid = Type.Integer({ minimum: 1, maximum: 0xffffffff });

/** Most messages one request may touch; larger selections are sent in several. */
export const MAX_UIDS_PER_REQUEST = 5000;
export const UidList = Type.Array(Uid, { minItems: 1, maxItems: MAX_UIDS_PER_REQUEST });

/** IMAP flags and keywords: a backslash system flag or an atom (RFC 3501 flag-keyword). */
export const Flag = Type.String({ pattern: '^\\\\?[A-Za-z0-9$_.:+\\-]{1,64}$' });

export const KdfParams = Type.Object(
  {
    algorithm: Type.Literal('argon2id13'),
    opsLimit: Type.Integer({ minimum: 1, maximum: 0xffffffff }),
    memLimitBytes: Type.Integer({ minimum: 8192, maximum: 2 ** 31 }),
  },
  { additionalProperties: false },
);

export const ErrorReply = Type.Object({ code: Type.String(), message: Type.String() });

/** A JSON body object that rejects unknown fields. */
export function Body<T extends Record<string, TSchema>>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}
