// App passwords for IMAP, POP3 and SMTP (docs/design.md promise 3): the browser generates each
// one, wraps the masterKey under it and sends only the wrapped key and the verifier; the
// password itself is shown once in the browser and never reaches the server.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { APP_PASSWORD_SCOPES, fromBase64, type KeySlotRecord } from '../../core/records.ts';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { Base64, Base64Key, Body } from '../schemas.ts';

/** The protocols an app password may open; null (or absent) means all of them. */
const Scope = Type.Union([Type.Null(), Type.Array(Type.Union(APP_PASSWORD_SCOPES.map((scope) => Type.Literal(scope))), { minItems: 1, uniqueItems: true })]);
const AppPasswordReply = Type.Object({
  id: Type.String(),
  label: Type.String(),
  scope: Scope,
  createdAt: Type.Integer(),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
});
const CreateBody = Body({
  label: Type.String({ minLength: 1, maxLength: 100 }),
  scope: Type.Optional(Scope),
  verifier: Base64Key,
  wrappedMasterKey: Base64(73, { minBytes: 73 }),
});

function describeSlot(slot: KeySlotRecord) {
  return { id: slot.id, label: slot.label, scope: slot.scope ?? null, createdAt: slot.createdAt, lastUsedAt: slot.lastUsedAt };
}
const SlotParams = Type.Object({ slotId: Type.String({ pattern: '^[0-9a-f]{1,32}$' }) });

export async function appPasswordRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { core } = context;

  app.get('/api/app-passwords', { schema: { response: { 200: Type.Object({ appPasswords: Type.Array(AppPasswordReply) }) } } }, async (request) => {
    const slots = await core.accounts.listKeySlots(sessionOf(request).accountId);
    return {
      appPasswords: slots.filter((slot) => slot.kind === 'app-password').map(describeSlot),
    };
  });

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/app-passwords',
    { schema: { body: CreateBody, response: { 201: AppPasswordReply } } },
    async (request, reply) => {
      const slot = await core.accounts.addAppPassword(
        sessionOf(request).accountId,
        request.body.label,
        { verifier: fromBase64(request.body.verifier), wrappedMasterKey: fromBase64(request.body.wrappedMasterKey) },
        request.body.scope ?? null,
      );
      void reply.status(201);
      return describeSlot(slot);
    },
  );

  app.delete<{ Params: Static<typeof SlotParams> }>(
    '/api/app-passwords/:slotId',
    { schema: { params: SlotParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const { accountId } = sessionOf(request);
      const slot = (await core.accounts.listKeySlots(accountId)).find(
        (candidate) => candidate.id === request.params.slotId && candidate.kind === 'app-password',
      );
      if (!slot) return reply.status(404).send({ code: 'NOT_FOUND', message: 'no such app password' });
      await core.accounts.revokeKeySlot(accountId, slot.id);
      void reply.status(204);
      return null;
    },
  );
}
