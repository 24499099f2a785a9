// tag GETQUOTA SP quota-root-name           (RFC 9208)
// tag GETQUOTAROOT SP mailbox
// tag SETQUOTA SP quota-root-name SP "(" ... ")"
// One quota root, "", for the whole mailbox; STORAGE in units of 1024 octets. The limit
// belongs to the account (the operator sets it), so SETQUOTA is refused.
import type { CommandContext, CommandHandler } from '../command.ts';
import { no, ok } from '../command.ts';
import type { GetQuotaRequest, GetQuotaRootRequest, SetQuotaRequest } from '../proto/commands/quota.ts';

const ROOT = '';
const KIB = 1024;

async function sendQuota(ctx: CommandContext): Promise<void> {
  const { session } = ctx;
  const { accountId } = session.account;
  const [account, usage] = await Promise.all([session.core.accounts.get(accountId), session.core.accounts.usage(accountId)]);
  await ctx.send({
    type: 'quota',
    root: ROOT,
    resources: [{ name: 'STORAGE', usage: Math.ceil(usage.bytes / KIB), limit: Math.floor(account.quotaBytes / KIB) }],
  });
}

export const getQuota: CommandHandler<GetQuotaRequest> = async (ctx, request) => {
  if (request.root !== ROOT) return no('No such quota root', { code: 'NONEXISTENT' });
  await sendQuota(ctx);
  return ok('Getquota completed');
};

export const getQuotaRoot: CommandHandler<GetQuotaRootRequest> = async (ctx, request) => {
  const entry = await ctx.session.findFolder(request.mailbox);
  if (!entry) return no('No such mailbox', { code: 'NONEXISTENT' });
  await ctx.send({ type: 'quotaroot', mailbox: entry.name, roots: [ROOT] });
  await sendQuota(ctx);
  return ok('Getquotaroot completed');
};

export const setQuota: CommandHandler<SetQuotaRequest> = async () => no('The quota is set by the operator', { code: 'NOPERM' });
