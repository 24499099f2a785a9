// Folders: ids and counters in clear, names only as the browser sealed them
// (shared/folder-names.ts format). The browser resolves names, keeps them unique and
// the hierarchy whole, since only it can read them.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { MailError } from '../../core/errors.ts';
import type { FolderRecord } from '../../core/records.ts';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { Body, FolderId } from '../schemas.ts';

/** "1." base64(wrapped name key) "." base64(name record); a name of 512 characters of
 * four-byte UTF-8 fits with room to spare. */
export const SealedFolderName = Type.String({ pattern: '^1\\.[A-Za-z0-9+/]+=*\\.[A-Za-z0-9+/]+=*$', maxLength: 4096 });

export const FolderReply = Type.Object({
  id: Type.String(),
  specialUse: Type.Union([Type.String(), Type.Null()]),
  encryptedName: Type.Union([Type.String(), Type.Null()]),
  messages: Type.Integer(),
  unseen: Type.Integer(),
  bytes: Type.Integer(),
  uidValidity: Type.Integer(),
  uidNext: Type.Integer(),
  highestModSeq: Type.Integer(),
  subscribed: Type.Boolean(),
});

export function folderReply(folder: FolderRecord): Static<typeof FolderReply> {
  return {
    id: folder.id,
    specialUse: folder.specialUse,
    encryptedName: folder.encryptedName,
    messages: folder.messages,
    unseen: folder.unseen ?? 0,
    bytes: folder.bytes,
    uidValidity: folder.uidValidity,
    uidNext: folder.uidNext,
    highestModSeq: folder.highestModSeq,
    subscribed: folder.subscribed ?? true,
  };
}

const FolderParams = Type.Object({ folderId: FolderId });
const CreateBody = Body({ encryptedName: SealedFolderName });
const UpdateBody = Body({ encryptedName: Type.Optional(SealedFolderName), subscribed: Type.Optional(Type.Boolean()) });

export async function folderRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { core } = context;

  app.get('/api/folders', { schema: { response: { 200: Type.Object({ folders: Type.Array(FolderReply) }) } } }, async (request) => {
    const folders = await core.folders.list(sessionOf(request).accountId);
    return { folders: folders.map(folderReply) };
  });

  app.post<{ Body: Static<typeof CreateBody> }>('/api/folders', { schema: { body: CreateBody, response: { 201: FolderReply } } }, async (request, reply) => {
    const folder = await core.folders.create(sessionOf(request).accountId, request.body.encryptedName);
    void reply.status(201);
    return folderReply(folder);
  });

  app.patch<{ Params: Static<typeof FolderParams>; Body: Static<typeof UpdateBody> }>(
    '/api/folders/:folderId',
    { schema: { params: FolderParams, body: UpdateBody, response: { 200: FolderReply } } },
    async (request) => {
      const { accountId } = sessionOf(request);
      const folder = await core.folders.get(accountId, request.params.folderId);
      if (folder.specialUse === '\\Inbox' && request.body.encryptedName !== undefined) {
        throw new MailError('INVALID_ARGUMENT', 'the Inbox cannot be renamed here');
      }
      return folderReply(await core.folders.update(accountId, request.params.folderId, request.body));
    },
  );

  app.delete<{ Params: Static<typeof FolderParams> }>(
    '/api/folders/:folderId',
    { schema: { params: FolderParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const { accountId } = sessionOf(request);
      const folder = await core.folders.get(accountId, request.params.folderId);
      if (folder.specialUse !== null) throw new MailError('INVALID_ARGUMENT', 'the default folders cannot be deleted');
      await core.mailbox.deleteFolder(accountId, folder.id);
      void reply.status(204);
      return null;
    },
  );
}
