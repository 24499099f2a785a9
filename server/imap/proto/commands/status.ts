// tag STATUS mailbox SP "(" status-att *(SP status-att) ")"
// status-att = "MESSAGES" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "DELETED" / "SIZE"
//            / "RECENT" (IMAP4rev1) / "HIGHESTMODSEQ" (RFC 7162) / "APPENDLIMIT" (RFC 7889)
import type { ArgReader } from '../args.ts';
import { syntaxError } from '../errors.ts';
import { AUTHENTICATED, defineCommand } from './spec.ts';

export type StatusItem = 'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'DELETED' | 'SIZE' | 'HIGHESTMODSEQ' | 'APPENDLIMIT';

const STATUS_ITEMS: ReadonlySet<string> = new Set<StatusItem>([
  'MESSAGES',
  'RECENT',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'DELETED',
  'SIZE',
  'HIGHESTMODSEQ',
  'APPENDLIMIT',
]);

export interface StatusRequest {
  readonly name: 'STATUS';
  readonly mailbox: string;
  /** Without duplicates, in the client's order. */
  readonly items: readonly StatusItem[];
}

/** The parenthesised status-att list, shared with LIST ... RETURN (STATUS (...)). */
export function readStatusItems(args: ArgReader): StatusItem[] {
  const list = args.list('status items');
  const items: StatusItem[] = [];
  if (list.atEnd()) throw syntaxError('Missing status item');
  while (!list.atEnd()) {
    const item = list.keyword('status item');
    if (!STATUS_ITEMS.has(item)) throw syntaxError('Unknown status item');
    if (!items.includes(item as StatusItem)) items.push(item as StatusItem);
  }
  return items;
}

export const statusCommand = defineCommand<StatusRequest>({
  name: 'STATUS',
  grammar: 'tag STATUS mailbox SP "(" status-att *(SP status-att) ")"',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const mailbox = args.mailbox();
    const items = readStatusItems(args);
    return { name: 'STATUS', mailbox, items };
  },
});
