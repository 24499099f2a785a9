// tag COMPRESS SP algorithm        (RFC 4978; DEFLATE only)
import type { CommandHandler } from '../command.ts';
import { no } from '../command.ts';
import type { CompressRequest } from '../proto/commands/compress.ts';

export const compress: CommandHandler<CompressRequest> = async (ctx, request) => {
  if (ctx.session.compressed) return no('Compression is already active', { code: 'COMPRESSIONACTIVE' });
  if (request.algorithm !== 'DEFLATE') return no('Only DEFLATE is supported', { code: 'CANNOT' });
  return { status: 'OK', text: 'DEFLATE active', after: 'compress' };
};
