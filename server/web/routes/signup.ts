// Signup without personal data (issue 5): the browser builds every key (createAccountKeys),
// shows the recovery code, and sends only verifiers, wrapped keys and the public key, with
// a solved proof-of-work challenge instead of a captcha or an IP check.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { splitAddress, validateNewAddress } from '../../core/addresses.ts';
import { isMailError } from '../../core/errors.ts';
import { fromBase64 } from '../../core/records.ts';
import type { WebContext } from '../context.ts';
import { WebError } from '../errors.ts';
import { clientSourceOf } from '../../listeners/client-source.ts';
import { enforceRate } from '../rate-limit.ts';
import { Address, Base64, Base64Key, Body, KdfParams } from '../schemas.ts';

/** Key slots and the encrypted private key are 73 bytes (crypto/FORMAT.md). */
const WRAPPED_KEY_BYTES = 73;

const AddressCheckBody = Body({ address: Address });
const SignupBody = Body({
  address: Address,
  challenge: Type.String({ minLength: 1, maxLength: 64 }),
  nonce: Type.String({ pattern: '^[0-9]{1,32}$' }),
  keys: Body({
    kdf: KdfParams,
    salt: Base64(16, { minBytes: 16 }),
    passwordVerifier: Base64Key,
    passwordSlot: Base64(WRAPPED_KEY_BYTES, { minBytes: WRAPPED_KEY_BYTES }),
    publicKey: Base64Key,
    encryptedPrivateKey: Base64(WRAPPED_KEY_BYTES, { minBytes: WRAPPED_KEY_BYTES }),
    recovery: Body({ verifier: Base64Key, wrappedMasterKey: Base64(WRAPPED_KEY_BYTES, { minBytes: WRAPPED_KEY_BYTES }) }),
  }),
});

export async function signupRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { core, config } = context;

  function requireSignupEnabled(): void {
    if (!config.web.signupEnabled) throw new WebError('SIGNUP_DISABLED', 403, 'this server does not take signups');
  }

  app.get(
    '/api/signup/options',
    {
      schema: {
        response: {
          200: Type.Object({
            enabled: Type.Boolean(),
            domains: Type.Array(Type.String()),
            kdf: KdfParams,
          }),
        },
      },
    },
    async () => ({
      enabled: config.web.signupEnabled,
      domains: await core.domains.list(),
      kdf: { algorithm: 'argon2id13' as const, ...config.passwordKdf },
    }),
  );

  app.post(
    '/api/signup/challenge',
    { schema: { response: { 200: Type.Object({ challenge: Type.String(), bits: Type.Integer(), expiresAt: Type.Integer() }) } } },
    async (request) => {
      requireSignupEnabled();
      enforceRate(context.rateLimiter, 'lookupByClient', clientSourceOf(request.ip));
      return context.proofOfWork.issue();
    },
  );

  app.post<{ Body: Static<typeof AddressCheckBody> }>(
    '/api/signup/address-check',
    {
      schema: {
        body: AddressCheckBody,
        response: { 200: Type.Object({ available: Type.Boolean(), code: Type.Optional(Type.String()), message: Type.Optional(Type.String()) }) },
      },
    },
    async (request) => {
      requireSignupEnabled();
      enforceRate(context.rateLimiter, 'lookupByClient', clientSourceOf(request.ip));
      try {
        const address = validateNewAddress(request.body.address);
        await core.domains.requireLocal(splitAddress(address)!.domain);
        if (await core.accounts.findIdByAddress(address)) return { available: false, code: 'ADDRESS_TAKEN', message: `${address} is already taken` };
        return { available: true };
      } catch (error) {
        if (isMailError(error)) return { available: false, code: error.code, message: error.message };
        throw error;
      }
    },
  );

  app.post<{ Body: Static<typeof SignupBody> }>(
    '/api/signup',
    { schema: { body: SignupBody, response: { 201: Type.Object({ address: Type.String() }) } } },
    async (request, reply) => {
      requireSignupEnabled();
      enforceRate(context.rateLimiter, 'signupByClient', clientSourceOf(request.ip));
      const { address, challenge, nonce, keys } = request.body;
      if (!context.proofOfWork.redeem(challenge, nonce)) {
        throw new WebError('PROOF_OF_WORK_FAILED', 400, 'the proof of work is missing, wrong, used or expired; ask for a new challenge');
      }
      if (keys.kdf.opsLimit < config.passwordKdf.opsLimit || keys.kdf.memLimitBytes < config.passwordKdf.memLimitBytes) {
        throw new WebError('KDF_TOO_WEAK', 400, 'the password key derivation is weaker than this server requires');
      }
      const account = await core.accounts.create(address, {
        kdf: keys.kdf,
        salt: fromBase64(keys.salt),
        passwordVerifier: fromBase64(keys.passwordVerifier),
        passwordSlot: fromBase64(keys.passwordSlot),
        publicKey: fromBase64(keys.publicKey),
        encryptedPrivateKey: fromBase64(keys.encryptedPrivateKey),
        recovery: { verifier: fromBase64(keys.recovery.verifier), wrappedMasterKey: fromBase64(keys.recovery.wrappedMasterKey) },
      });
      void reply.status(201);
      return { address: account.address };
    },
  );
}
