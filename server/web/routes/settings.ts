// The web client's settings record: ciphertext the browser made (server/core/user-settings.ts).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { Base64, Body } from '../schemas.ts';

/** Signature, trusted senders and preferences: far below this. */
const MAX_SETTINGS_BYTES = 256 * 1024;
const SettingsBody = Body({ wrappedKey: Base64(73, { minBytes: 73 }), data: Base64(MAX_SETTINGS_BYTES, { minBytes: 41 }) });
const SettingsRecord = Type.Object({ wrappedKey: Type.String(), data: Type.String(), updatedAt: Type.Integer() });

export async function settingsRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  app.get('/api/settings', { schema: { response: { 200: Type.Object({ settings: Type.Union([SettingsRecord, Type.Null()]) }) } } }, async (request) => {
    const record = await context.core.userSettings.get(sessionOf(request).accountId);
    return { settings: record ? { wrappedKey: record.wrappedKey, data: record.data, updatedAt: record.updatedAt } : null };
  });

  app.put<{ Body: Static<typeof SettingsBody> }>('/api/settings', { schema: { body: SettingsBody, response: { 200: SettingsRecord } } }, async (request) => {
    const record = await context.core.userSettings.put(sessionOf(request).accountId, request.body);
    return { wrappedKey: record.wrappedKey, data: record.data, updatedAt: record.updatedAt };
  });
}
