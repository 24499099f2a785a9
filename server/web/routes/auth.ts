// Pre-login and login (docs/design.md, Keys). The browser derives everything from the
// password; the server sees only the authKey, checks H(authKey) against the stored verifier
// in constant time, and answers with the wrapped key material the browser unlocks itself.
// Unknown addresses get a deterministic fake salt and the same work, so neither endpoint
// tells which addresses exist.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { LockedAccount } from '../../../shared/account-wire.ts';
import { normalizeAddress } from '../../core/addresses.ts';
import { fromBase64, toBase64, type AccountRecord } from '../../core/records.ts';
import type { WebContext } from '../context.ts';
import { readCookie, sessionCookie } from '../cookies.ts';
import { DEVICE_COOKIE, deviceCookie, isDeviceOf } from '../device-cookie.ts';
import { MailError } from '../../core/errors.ts';
import { clientSourceOf } from '../../listeners/client-source.ts';
import { enforceRate } from '../rate-limit.ts';
import { Address, Base64Key, Body, KdfParams } from '../schemas.ts';

const PreloginBody = Body({ address: Address });
const LoginBody = Body({ address: Address, authKey: Base64Key });

const PreloginReply = Type.Object({ salt: Type.String(), kdf: KdfParams });
/** LockedAccount (shared/account-wire.ts) as fastify serialises it: a field missing here is dropped from the reply. */
export const LockedAccountReply = Type.Object({
  address: Type.String(),
  kdf: KdfParams,
  salt: Type.String(),
  passwordSlot: Type.String(),
  publicKey: Type.String(),
  encryptedPrivateKey: Type.String(),
});
const LoginReply = Type.Object({ account: LockedAccountReply, csrfToken: Type.String() });

export function lockedAccount(account: AccountRecord): LockedAccount {
  const { salt, ...kdf } = account.kdf;
  return {
    address: account.address,
    kdf,
    salt,
    passwordSlot: account.passwordSlot,
    publicKey: account.publicKey,
    encryptedPrivateKey: account.encryptedPrivateKey,
  };
}

export async function authRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { core, crypto } = context;
  /** Compared against when the address is unknown, so that both paths do the same work. */
  const unknownAccountVerifier = crypto.randomBytes(32);

  /** The account behind an address, if it exists and can still log in. */
  async function findAccount(address: string): Promise<AccountRecord | undefined> {
    const accountId = await core.accounts.findIdByAddress(address);
    if (!accountId) return undefined;
    const account = await core.accounts.get(accountId).catch(() => undefined);
    return account && account.passwordVerifier !== '' ? account : undefined;
  }

  app.post<{ Body: Static<typeof PreloginBody> }>(
    '/api/auth/prelogin',
    { schema: { body: PreloginBody, response: { 200: PreloginReply } } },
    async (request) => {
      enforceRate(context.rateLimiter, 'lookupByClient', clientSourceOf(request.ip));
      const account = await findAccount(request.body.address);
      if (account) return { salt: account.kdf.salt, kdf: lockedAccount(account).kdf };
      return {
        salt: toBase64(crypto.fakeSalt(context.serverKey, normalizeAddress(request.body.address))),
        kdf: { algorithm: 'argon2id13' as const, ...context.config.passwordKdf },
      };
    },
  );

  app.post<{ Body: Static<typeof LoginBody> }>('/api/auth/login', { schema: { body: LoginBody, response: { 200: LoginReply } } }, async (request, reply) => {
    enforceRate(context.rateLimiter, 'loginByClient', clientSourceOf(request.ip));
    const address = normalizeAddress(request.body.address);
    const now = context.clock.now();
    // Failed guesses by others slow the address down, but never a browser that logged in to
    // it before (promise 9). Unknown addresses are slowed alike, so this tells nothing.
    if (!isDeviceOf(crypto, context.serverKey, readCookie(request.headers.cookie, DEVICE_COOKIE), address, now)) await context.loginSlowdown.admit(address);
    const account = await findAccount(request.body.address);
    const authKey = fromBase64(request.body.authKey);
    const presented = crypto.verifierOf(authKey);
    crypto.wipe(authKey);
    const expected = account ? fromBase64(account.passwordVerifier) : unknownAccountVerifier;
    if (!account || !crypto.equal(presented, expected)) {
      context.loginSlowdown.recordFailure(address);
      throw new MailError('AUTHENTICATION_FAILED', 'wrong address or password');
    }
    context.loginSlowdown.recordSuccess(address);
    // Counts as activity for the inactivity rule, as any client's login does.
    void core.standing.recordLogin(account.id).catch(() => undefined);
    const { token, session } = context.sessions.create(account.id);
    void reply.header('set-cookie', [sessionCookie(token), deviceCookie(crypto, context.serverKey, address, now)]);
    return { account: lockedAccount(account), csrfToken: session.csrfToken };
  });
}
