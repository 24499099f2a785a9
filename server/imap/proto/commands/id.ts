// tag ID SP ("(" [string SP nstring *(SP string SP nstring)] ")" / "NIL")   (RFC 2971)
// RFC 2971 3.3 limits: at most 30 pairs, field names of 30 and values of 1024 characters.
// The session must not log the values: they identify the client's software and host.
import { syntaxError } from '../errors.ts';
import { ANY_STATE, defineCommand } from './spec.ts';

export interface IdRequest {
  readonly name: 'ID';
  /** null for "ID NIL". */
  readonly parameters: ReadonlyArray<readonly [string, string | null]> | null;
}

const MAX_PAIRS = 30;
const MAX_FIELD_LENGTH = 30;
const MAX_VALUE_LENGTH = 1024;

export const idCommand = defineCommand<IdRequest>({
  name: 'ID',
  grammar: 'tag ID SP ("(" [string SP nstring *(SP string SP nstring)] ")" / "NIL")',
  states: ANY_STATE,
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    if (args.acceptKeyword('NIL')) return { name: 'ID', parameters: null };
    const list = args.list('ID parameters');
    const parameters: Array<readonly [string, string | null]> = [];
    while (!list.atEnd()) {
      const field = list.string('ID field');
      const value = list.nstring('ID value');
      if (parameters.length === MAX_PAIRS || field.length > MAX_FIELD_LENGTH || (value !== null && value.length > MAX_VALUE_LENGTH)) {
        throw syntaxError('ID parameters exceed the limits of RFC 2971');
      }
      parameters.push([field, value]);
    }
    return { name: 'ID', parameters };
  },
});
