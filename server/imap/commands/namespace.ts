// tag NAMESPACE      (RFC 2342): one personal namespace, no shared or other users' folders.
import type { CommandHandler } from '../command.ts';
import { ok } from '../command.ts';
import { HIERARCHY_DELIMITER } from '../../core/folder-tree.ts';
import type { NamespaceRequest } from '../proto/commands/namespace.ts';

export const namespace: CommandHandler<NamespaceRequest> = async (ctx) => {
  await ctx.send({ type: 'namespace', personal: [{ prefix: '', delimiter: HIERARCHY_DELIMITER }], otherUsers: null, shared: null });
  return ok('Namespace completed');
};
