// Account settings that change who can unlock the mailbox or what it is called: password
// change (the browser rewraps the masterKey; no message changes), a new recovery code,
// aliases, deletion. Each change of a secret asks for the current password's authKey
// again (rate-limited), so a session left open cannot lock its owner out or delete the
// account. A password change ends the other web sessions and, unless the user says not
// to, revokes every app password, which ends their IMAP, POP3 and SMTP sessions too.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { MailError } from '../../core/errors.ts';
import { fromBase64 } from '../../core/records.ts';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { clearedSessionCookie } from '../cookies.ts';
import { enforceRate } from '../rate-limit.ts';
import { Address, Base64, Base64Key, Body } from '../schemas.ts';

/** A key slot: format byte, nonce, wrapped key and MAC (crypto/FORMAT.md). */
const KeySlot = Base64(73, { minBytes: 73 });

const PasswordBody = Body({
  authKey: Base64Key,
  salt: Base64(16, { minBytes: 16 }),
  passwordVerifier: Base64Key,
  passwordSlot: KeySlot,
  /** Also revoke every app password (default): whoever learnt the old password may have made one. */
  revokeAppPasswords: Type.Optional(Type.Boolean()),
});
const RecoveryBody = Body({ authKey: Base64Key, verifier: Base64Key, wrappedMasterKey: KeySlot });
const AliasBody = Body({ address: Address });
const DeleteBody = Body({ authKey: Base64Key, confirmAddress: Address });

const AccountReply = Type.Object({
  address: Type.String(),
  aliases: Type.Array(Type.String()),
  createdAt: Type.Integer(),
  quotaBytes: Type.Integer(),
  usage: Type.Object({ bytes: Type.Integer(), messages: Type.Integer() }),
  limits: Type.Object({ messageMaxBytes: Type.Integer(), addressesPerMailbox: Type.Integer(), recipientsPerMessage: Type.Integer() }),
  domains: Type.Array(Type.String()),
});

export async function accountRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { core, crypto, config } = context;

  /** Checks the current password's authKey in constant time. Rate-limited per account like a
   * login: a stolen session cookie must not become a way to guess the password. */
  async function requirePassword(accountId: string, authKeyBase64: string): Promise<void> {
    enforceRate(context.rateLimiter, 'reauthByAccount', accountId);
    const account = await core.accounts.get(accountId);
    const authKey = fromBase64(authKeyBase64);
    const presented = crypto.verifierOf(authKey);
    crypto.wipe(authKey);
    if (!crypto.equal(presented, fromBase64(account.passwordVerifier))) throw new MailError('AUTHENTICATION_FAILED', 'the current password is wrong');
  }

  app.get('/api/account', { schema: { response: { 200: AccountReply } } }, async (request) => {
    const { accountId } = sessionOf(request);
    const account = await core.accounts.get(accountId);
    return {
      address: account.address,
      aliases: (await core.accounts.addresses(accountId)).filter((address) => address !== account.address),
      createdAt: account.createdAt,
      quotaBytes: account.quotaBytes,
      usage: await core.accounts.usage(accountId),
      limits: {
        messageMaxBytes: config.limits.messageMaxBytes,
        addressesPerMailbox: config.limits.addressesPerMailbox,
        recipientsPerMessage: config.limits.recipientsPerMessage,
      },
      domains: await core.domains.list(),
    };
  });

  app.post<{ Body: Static<typeof PasswordBody> }>(
    '/api/account/password',
    { schema: { body: PasswordBody, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const session = sessionOf(request);
      await requirePassword(session.accountId, request.body.authKey);
      await core.accounts.changePassword(session.accountId, {
        salt: fromBase64(request.body.salt),
        passwordVerifier: fromBase64(request.body.passwordVerifier),
        passwordSlot: fromBase64(request.body.passwordSlot),
      });
      context.sessions.revokeAccount(session.accountId, session);
      if (request.body.revokeAppPasswords !== false) await core.accounts.revokeAppPasswords(session.accountId);
      void reply.status(204);
      return null;
    },
  );

  app.post<{ Body: Static<typeof RecoveryBody> }>(
    '/api/account/recovery-code',
    { schema: { body: RecoveryBody, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const { accountId } = sessionOf(request);
      await requirePassword(accountId, request.body.authKey);
      await core.accounts.replaceRecoveryCode(accountId, {
        verifier: fromBase64(request.body.verifier),
        wrappedMasterKey: fromBase64(request.body.wrappedMasterKey),
      });
      void reply.status(204);
      return null;
    },
  );

  app.post<{ Body: Static<typeof AliasBody> }>(
    '/api/account/aliases',
    { schema: { body: AliasBody, response: { 201: Type.Object({ address: Type.String() }) } } },
    async (request, reply) => {
      const address = await core.aliases.add(sessionOf(request).accountId, request.body.address);
      void reply.status(201);
      return { address };
    },
  );

  app.post<{ Body: Static<typeof AliasBody> }>(
    '/api/account/aliases/remove',
    { schema: { body: AliasBody, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await core.aliases.remove(sessionOf(request).accountId, request.body.address);
      void reply.status(204);
      return null;
    },
  );

  app.post<{ Body: Static<typeof DeleteBody> }>(
    '/api/account/delete',
    { schema: { body: DeleteBody, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const { accountId } = sessionOf(request);
      const account = await core.accounts.get(accountId);
      if (account.address !== request.body.confirmAddress.trim().toLowerCase()) {
        throw new MailError('INVALID_ARGUMENT', 'type the address of the account to confirm its deletion');
      }
      await requirePassword(accountId, request.body.authKey);
      context.sessions.revokeAccount(accountId);
      await core.accounts.delete(accountId);
      void reply.header('set-cookie', clearedSessionCookie()).status(204);
      return null;
    },
  );
}
