// Messages of a folder, as ciphertext and clear metadata (docs/design.md promise 1 allows sizes,
// dates and flags in clear): the index, encrypted metadata records and content keys of the
// messages the browser shows, body ciphertext whole or by byte range or many at once, flag changes,
// copy/move/expunge, the browser's lazy rewraps, and uploads it encrypted itself.
// Nothing here decrypts: the server holds no key of a web session.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BODY_FRAME_HEADER_BYTES, bodyFrameHeader } from '../../../shared/body-frames.ts';
import { MailError } from '../../core/errors.ts';
import { fromBase64 } from '../../core/records.ts';
import { sessionOf } from '../authenticate.ts';
import type { WebContext } from '../context.ts';
import { Base64, Body, Flag, FolderId, Uid, UidList } from '../schemas.ts';

/** Index entries per page: 10,000 entries are about 400 KB of JSON. */
const MAX_INDEX_PAGE = 10_000;
/** Metadata records per request: the visible rows plus a margin, or a background batch. */
const MAX_METADATA_BATCH = 500;
/** Bodies per batch request: the search index and the export ask for a few dozen small ones
 * at a time; the answer streams, so its size does not weigh on the server's memory. */
const MAX_BODY_BATCH = 100;
/** A sealed (81) or wrapped (73) content key. */
const ContentKey = Base64(81, { minBytes: 73 });
/** Encrypted metadata records hold a MIME summary of at most about a megabyte. */
const EncryptedMetadata = Base64(4 * 1024 * 1024, { minBytes: 41 });

const FolderParams = Type.Object({ folderId: FolderId });
const MessageParams = Type.Object({ folderId: FolderId, uid: Uid });

const IndexQuery = Type.Object({
  afterUid: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INDEX_PAGE })),
});
/** [uid, size, internalDate, modSeq, flags]: compact, since a folder may hold 50,000. */
const IndexEntry = Type.Tuple([Type.Integer(), Type.Integer(), Type.Integer(), Type.Integer(), Type.Array(Type.String())]);
const IndexReply = Type.Object({
  uidValidity: Type.Integer(),
  uidNext: Type.Integer(),
  highestModSeq: Type.Integer(),
  messages: Type.Array(IndexEntry),
  /** Pass as afterUid for the next page; null on the last page. */
  nextAfterUid: Type.Union([Type.Integer(), Type.Null()]),
});

const MetadataBody = Body({ uids: Type.Array(Uid, { minItems: 1, maxItems: MAX_METADATA_BATCH }) });
const MetadataReply = Type.Object({
  messages: Type.Array(Type.Object({ uid: Type.Integer(), contentKey: Type.String(), metadata: Type.String() })),
});

const BodiesBody = Body({ uids: Type.Array(Uid, { minItems: 1, maxItems: MAX_BODY_BATCH, uniqueItems: true }) });

const BodyQuery = Type.Object({
  start: Type.Optional(Type.Integer({ minimum: 0 })),
  end: Type.Optional(Type.Integer({ minimum: 0 })),
});

const FlagsBody = Body({
  uids: UidList,
  mode: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('set')]),
  flags: Type.Array(Flag, { maxItems: 64 }),
});
const UidsBody = Body({ uids: UidList });
const TransferBody = Body({ uids: UidList, to: FolderId });
const RewrapBody = Body({
  keys: Type.Array(Body({ uid: Uid, previous: ContentKey, contentKey: Base64(73, { minBytes: 73 }) }), { minItems: 1, maxItems: MAX_METADATA_BATCH }),
});

export async function messageRoutes(app: FastifyInstance, context: WebContext): Promise<void> {
  const { core, config } = context;
  /** Base64 makes 4 characters of 3 bytes; the rest of the JSON is small. */
  const uploadBodyLimit = Math.ceil((context.crypto.bodyCiphertextSize(config.limits.messageMaxBytes) * 4) / 3) + 8 * 1024 * 1024;

  app.get<{ Params: Static<typeof FolderParams>; Querystring: Static<typeof IndexQuery> }>(
    '/api/folders/:folderId/messages',
    { schema: { params: FolderParams, querystring: IndexQuery, response: { 200: IndexReply } } },
    async (request) => {
      const { accountId } = sessionOf(request);
      const { folderId } = request.params;
      const folder = await core.folders.get(accountId, folderId);
      const limit = request.query.limit ?? MAX_INDEX_PAGE;
      const records = await core.messages.list(accountId, folderId, { fromUid: (request.query.afterUid ?? 0) + 1, limit: limit + 1 });
      const page = records.slice(0, limit);
      return {
        uidValidity: folder.uidValidity,
        uidNext: folder.uidNext,
        highestModSeq: folder.highestModSeq,
        messages: page.map(
          (record) => [record.uid, record.size, record.internalDate, record.modSeq, record.flags] as [number, number, number, number, string[]],
        ),
        nextAfterUid: records.length > limit ? page[page.length - 1]!.uid : null,
      };
    },
  );

  app.post<{ Params: Static<typeof FolderParams>; Body: Static<typeof MetadataBody> }>(
    '/api/folders/:folderId/messages/metadata',
    { schema: { params: FolderParams, body: MetadataBody, response: { 200: MetadataReply } } },
    async (request) => {
      const { accountId } = sessionOf(request);
      const records = await core.messages.getMany(accountId, request.params.folderId, request.body.uids);
      return {
        messages: records.flatMap((record) => (record ? [{ uid: record.uid, contentKey: record.contentKey, metadata: record.metadata }] : [])),
      };
    },
  );

  app.get<{ Params: Static<typeof MessageParams>; Querystring: Static<typeof BodyQuery> }>(
    '/api/folders/:folderId/messages/:uid/body',
    { schema: { params: MessageParams, querystring: BodyQuery } },
    async (request, reply) => {
      const { accountId } = sessionOf(request);
      const record = await core.messages.get(accountId, request.params.folderId, request.params.uid);
      const size = await core.messages.ciphertextSize(record);
      const start = request.query.start ?? 0;
      const end = Math.min(request.query.end ?? size, size);
      if (start > end) throw new MailError('INVALID_ARGUMENT', 'the range starts after it ends');
      void reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(end - start))
        .header('x-ciphertext-size', String(size))
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(core.messages.readCiphertext(record, { start, end })));
    },
  );

  app.post<{ Params: Static<typeof FolderParams>; Body: Static<typeof BodiesBody> }>(
    '/api/folders/:folderId/messages/bodies',
    { schema: { params: FolderParams, body: BodiesBody } },
    async (request, reply) => {
      const { accountId } = sessionOf(request);
      await core.folders.get(accountId, request.params.folderId);
      const found = (await core.messages.getMany(accountId, request.params.folderId, request.body.uids)).filter((record) => record !== undefined);
      const sizes = await Promise.all(found.map((record) => core.messages.ciphertextSize(record)));
      async function* frames(): AsyncGenerator<Uint8Array> {
        for (const [index, record] of found.entries()) {
          yield bodyFrameHeader(record.uid, sizes[index]!);
          yield* core.messages.readCiphertext(record);
        }
      }
      void reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(sizes.reduce((total, size) => total + BODY_FRAME_HEADER_BYTES + size, 0)))
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(frames()));
    },
  );

  app.post<{ Params: Static<typeof FolderParams>; Body: Static<typeof FlagsBody> }>(
    '/api/folders/:folderId/messages/flags',
    {
      schema: {
        params: FolderParams,
        body: FlagsBody,
        response: {
          200: Type.Object({
            updated: Type.Array(Type.Object({ uid: Type.Integer(), flags: Type.Array(Type.String()), modSeq: Type.Integer() })),
            highestModSeq: Type.Integer(),
          }),
        },
      },
    },
    async (request) => {
      const { accountId } = sessionOf(request);
      const { uids, mode, flags } = request.body;
      const result = await core.mailbox.setFlags(accountId, request.params.folderId, uids, { mode, flags });
      return { updated: result.updated, highestModSeq: result.highestModSeq };
    },
  );

  app.post<{ Params: Static<typeof FolderParams>; Body: Static<typeof UidsBody> }>(
    '/api/folders/:folderId/messages/expunge',
    { schema: { params: FolderParams, body: UidsBody, response: { 200: Type.Object({ expunged: Type.Array(Type.Integer()) }) } } },
    async (request) => {
      const { accountId } = sessionOf(request);
      const result = await core.mailbox.expunge(accountId, request.params.folderId, request.body.uids);
      return { expunged: result.expunged };
    },
  );

  for (const operation of ['copy', 'move'] as const) {
    app.post<{ Params: Static<typeof FolderParams>; Body: Static<typeof TransferBody> }>(
      `/api/folders/:folderId/messages/${operation}`,
      {
        schema: {
          params: FolderParams,
          body: TransferBody,
          response: { 200: Type.Object({ sourceUids: Type.Array(Type.Integer()), destinationUids: Type.Array(Type.Integer()) }) },
        },
      },
      async (request) => {
        const { accountId } = sessionOf(request);
        await core.folders.get(accountId, request.body.to);
        const result = await core.mailbox.copy(accountId, request.params.folderId, request.body.uids, request.body.to, { move: operation === 'move' });
        return { sourceUids: result.sourceUids, destinationUids: result.destinationUids };
      },
    );
  }

  app.post<{ Params: Static<typeof FolderParams>; Body: Static<typeof RewrapBody> }>(
    '/api/folders/:folderId/messages/rewrap',
    { schema: { params: FolderParams, body: RewrapBody, response: { 200: Type.Object({ stored: Type.Integer() }) } } },
    async (request) => {
      const { accountId } = sessionOf(request);
      let stored = 0;
      for (const entry of request.body.keys) {
        const rewrapped = fromBase64(entry.contentKey);
        if (rewrapped[0] !== WRAPPED_CONTENT_KEY_FORMAT) throw new MailError('INVALID_ARGUMENT', 'a rewrapped content key must be in the wrapped form');
        if (await core.messages.replaceContentKey(accountId, request.params.folderId, entry.uid, entry.previous, entry.contentKey)) stored += 1;
      }
      return { stored };
    },
  );

  const UploadBody = Body({
    contentKey: Base64(73, { minBytes: 73 }),
    metadata: EncryptedMetadata,
    body: Base64(context.crypto.bodyCiphertextSize(config.limits.messageMaxBytes), { minBytes: 25 + 17 }),
    flags: Type.Optional(Type.Array(Flag, { maxItems: 64 })),
    internalDate: Type.Optional(Type.Integer({ minimum: 0 })),
  });
  app.post<{ Params: Static<typeof FolderParams>; Body: Static<typeof UploadBody> }>(
    '/api/folders/:folderId/messages',
    {
      bodyLimit: uploadBodyLimit,
      schema: {
        params: FolderParams,
        body: UploadBody,
        response: { 201: Type.Object({ uid: Type.Integer(), uidValidity: Type.Integer(), size: Type.Integer() }) },
      },
    },
    async (request, reply) => {
      const { accountId } = sessionOf(request);
      const account = await core.accounts.get(accountId);
      const ciphertext = fromBase64(request.body.body);
      const stored = await core.ingest.deliverEncrypted({
        source: 'web',
        recipient: {
          accountId,
          address: account.address,
          folderId: request.params.folderId,
          flags: request.body.flags ?? [],
          internalDate: request.body.internalDate,
        },
        wrappedContentKey: fromBase64(request.body.contentKey),
        encryptedMetadata: fromBase64(request.body.metadata),
        ciphertext: (async function* () {
          yield ciphertext;
        })(),
        ciphertextSize: ciphertext.byteLength,
      });
      void reply.status(201);
      return { uid: stored.uid, uidValidity: stored.uidValidity, size: stored.size };
    },
  );
}

/** The wrapped content-key form of crypto/FORMAT.md (format byte 0x02). */
const WRAPPED_CONTENT_KEY_FORMAT = 0x02;
