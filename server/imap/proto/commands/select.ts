// tag SELECT  mailbox [SP "(" select-param *(SP select-param) ")"]
// tag EXAMINE mailbox [SP "(" select-param *(SP select-param) ")"]
// select-param = "CONDSTORE"                                             (RFC 7162 3.1.8)
//              / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value
//                [SP known-uids] [SP seq-match-data] ")"                   (RFC 7162 3.2.5)
// seq-match-data = "(" known-sequence-set SP known-uid-set ")"
import type { ArgReader } from '../args.ts';
import { syntaxError } from '../errors.ts';
import type { SequenceSet } from '../seqset.ts';
import { AUTHENTICATED, defineCommand } from './spec.ts';

export interface QresyncParameters {
  readonly uidValidity: number;
  readonly modSeq: bigint;
  readonly knownUids: SequenceSet | undefined;
  /** Pairs of message numbers and UIDs the client knows, to find expunges cheaply. */
  readonly sequenceMatch: { readonly sequenceNumbers: SequenceSet; readonly uids: SequenceSet } | undefined;
}

export interface SelectRequest {
  readonly name: 'SELECT' | 'EXAMINE';
  readonly mailbox: string;
  readonly condstore: boolean;
  /** Present only with the QRESYNC parameter; the session must check ENABLE QRESYNC first. */
  readonly qresync: QresyncParameters | undefined;
}

function readQresync(args: ArgReader): QresyncParameters {
  const uidValidity = args.nzNumber('UIDVALIDITY');
  const modSeq = args.modSequence('mod-sequence');
  let knownUids: SequenceSet | undefined;
  let sequenceMatch: QresyncParameters['sequenceMatch'];
  if (!args.atEnd() && args.peek()!.kind === 'atom') knownUids = args.sequenceSet('known UIDs', false);
  if (!args.atEnd()) {
    const match = args.list('sequence match data');
    const sequenceNumbers = match.sequenceSet('known sequence set', false);
    const uids = match.sequenceSet('known UID set', false);
    match.end();
    sequenceMatch = { sequenceNumbers, uids };
  }
  return { uidValidity, modSeq, knownUids, sequenceMatch };
}

function define(name: 'SELECT' | 'EXAMINE') {
  return defineCommand<SelectRequest>({
    name,
    grammar: `tag ${name} mailbox [SP "(" select-param *(SP select-param) ")"]`,
    states: AUTHENTICATED,
    usesSequenceNumbers: false,
    expunges: false,
    read(args) {
      const mailbox = args.mailbox();
      let condstore = false;
      let qresync: QresyncParameters | undefined;
      const params = args.optionalList('select parameters');
      while (params !== undefined && !params.atEnd()) {
        const param = params.keyword('select parameter');
        if (param === 'CONDSTORE' && !condstore) {
          condstore = true;
        } else if (param === 'QRESYNC' && qresync === undefined) {
          const list = params.list('QRESYNC parameters');
          qresync = readQresync(list);
          list.end();
        } else {
          throw syntaxError('Unknown or repeated select parameter');
        }
      }
      return { name, mailbox, condstore, qresync };
    },
  });
}

export const selectCommand = define('SELECT');
export const examineCommand = define('EXAMINE');
