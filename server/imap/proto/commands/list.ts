// tag LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
// list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"          (RFC 5258)
// list-select-opt  = "SUBSCRIBED" / "REMOTE" / "RECURSIVEMATCH" / "SPECIAL-USE" (RFC 6154)
// mbox-or-pat      = list-mailbox / "(" list-mailbox *(SP list-mailbox) ")"
// list-return-opts = "RETURN" SP "(" [return-opt *(SP return-opt)] ")"
// return-opt       = "SUBSCRIBED" / "CHILDREN" / "SPECIAL-USE"
//                  / "STATUS" SP "(" status-att *(SP status-att) ")"          (RFC 5819)
// The reference and patterns are decoded like mailbox names; "" and wildcards are kept.
import type { ArgReader } from '../args.ts';
import { syntaxError } from '../errors.ts';
import { AUTHENTICATED, defineCommand } from './spec.ts';
import { readStatusItems, type StatusItem } from './status.ts';

export interface ListSelection {
  readonly subscribed: boolean;
  readonly remote: boolean;
  readonly recursiveMatch: boolean;
  readonly specialUse: boolean;
}

export interface ListReturn {
  readonly subscribed: boolean;
  readonly children: boolean;
  readonly specialUse: boolean;
  /** LIST-STATUS: the items to send in a STATUS response per listed mailbox. */
  readonly status: readonly StatusItem[] | undefined;
}

export interface ListRequest {
  readonly name: 'LIST';
  readonly reference: string;
  readonly patterns: readonly string[];
  readonly selection: ListSelection;
  readonly returns: ListReturn;
  /** The client used LIST-EXTENDED syntax, so extended data (CHILDINFO) may be returned. */
  readonly extended: boolean;
}

function readSelection(options: ArgReader): ListSelection {
  let subscribed = false;
  let remote = false;
  let recursiveMatch = false;
  let specialUse = false;
  while (!options.atEnd()) {
    const option = options.keyword('selection option');
    if (option === 'SUBSCRIBED') subscribed = true;
    else if (option === 'REMOTE') remote = true;
    else if (option === 'RECURSIVEMATCH') recursiveMatch = true;
    else if (option === 'SPECIAL-USE') specialUse = true;
    else throw syntaxError('Unknown LIST selection option');
  }
  // RFC 5258 3.1: RECURSIVEMATCH alone (or with only REMOTE) is a BAD command.
  if (recursiveMatch && !subscribed && !specialUse) throw syntaxError('RECURSIVEMATCH needs another selection option');
  return { subscribed, remote, recursiveMatch, specialUse };
}

function readReturn(options: ArgReader): ListReturn {
  let subscribed = false;
  let children = false;
  let specialUse = false;
  let status: StatusItem[] | undefined;
  while (!options.atEnd()) {
    const option = options.keyword('return option');
    if (option === 'SUBSCRIBED') subscribed = true;
    else if (option === 'CHILDREN') children = true;
    else if (option === 'SPECIAL-USE') specialUse = true;
    else if (option === 'STATUS' && status === undefined) status = readStatusItems(options);
    else throw syntaxError('Unknown or repeated LIST return option');
  }
  return { subscribed, children, specialUse, status };
}

const NO_SELECTION: ListSelection = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
const NO_RETURN: ListReturn = { subscribed: false, children: false, specialUse: false, status: undefined };

export const listCommand = defineCommand<ListRequest>({
  name: 'LIST',
  grammar: 'tag LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    let extended = false;
    let selection = NO_SELECTION;
    const selectOptions = args.optionalList('selection options');
    if (selectOptions !== undefined) {
      extended = true;
      selection = readSelection(selectOptions);
    }
    const reference = args.listPattern('reference name');
    const patterns: string[] = [];
    const patternList = args.optionalList('mailbox patterns');
    if (patternList !== undefined) {
      extended = true;
      patterns.push(patternList.listPattern());
      while (!patternList.atEnd()) patterns.push(patternList.listPattern());
    } else {
      patterns.push(args.listPattern());
    }
    let returns = NO_RETURN;
    if (!args.atEnd()) {
      if (args.keyword('RETURN') !== 'RETURN') throw syntaxError('Expected RETURN');
      extended = true;
      returns = readReturn(args.list('return options'));
    }
    return { name: 'LIST', reference, patterns, selection, returns, extended };
  },
});
