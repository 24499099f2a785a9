// tag GETQUOTA SP quota-root-name                                        (RFC 9208)
// tag GETQUOTAROOT SP mailbox
// tag SETQUOTA SP quota-root-name SP "(" [setquota-resource *(SP setquota-resource)] ")"
// setquota-resource = resource-name SP resource-limit
import type { ArgReader } from '../args.ts';
import { ATOM_CHAR, allCharsIn } from '../chars.ts';
import { syntaxError } from '../errors.ts';
import { AUTHENTICATED, defineCommand } from './spec.ts';

export interface GetQuotaRequest {
  readonly name: 'GETQUOTA';
  readonly root: string;
}

export interface GetQuotaRootRequest {
  readonly name: 'GETQUOTAROOT';
  readonly mailbox: string;
}

export interface SetQuotaRequest {
  readonly name: 'SETQUOTA';
  readonly root: string;
  /** Resource names upper-cased (STORAGE, MESSAGE, MAILBOX, ANNOTATION-STORAGE, ...). */
  readonly limits: ReadonlyArray<{ readonly resource: string; readonly limit: number }>;
}

export const getQuotaCommand = defineCommand<GetQuotaRequest>({
  name: 'GETQUOTA',
  grammar: 'tag GETQUOTA SP quota-root-name',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read: (args) => ({ name: 'GETQUOTA', root: args.astring('quota root') }),
});

export const getQuotaRootCommand = defineCommand<GetQuotaRootRequest>({
  name: 'GETQUOTAROOT',
  grammar: 'tag GETQUOTAROOT SP mailbox',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read: (args) => ({ name: 'GETQUOTAROOT', mailbox: args.mailbox() }),
});

function readLimits(list: ArgReader): SetQuotaRequest['limits'] {
  const limits: Array<{ resource: string; limit: number }> = [];
  while (!list.atEnd()) {
    const resource = list.keyword('resource name');
    if (!allCharsIn(resource, ATOM_CHAR)) throw syntaxError('Invalid resource name');
    if (limits.some((l) => l.resource === resource)) throw syntaxError('Repeated quota resource');
    limits.push({ resource, limit: list.safeNumber('resource limit') });
  }
  return limits;
}

export const setQuotaCommand = defineCommand<SetQuotaRequest>({
  name: 'SETQUOTA',
  grammar: 'tag SETQUOTA SP quota-root-name SP "(" [setquota-resource *(SP setquota-resource)] ")"',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const root = args.astring('quota root');
    return { name: 'SETQUOTA', root, limits: readLimits(args.list('quota limits')) };
  },
});
