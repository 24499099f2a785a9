// tag [UID SP] THREAD SP thread-alg SP search-criteria                  (RFC 5256)
// thread-alg      = "ORDEREDSUBJECT" / "REFERENCES"
// search-criteria = charset 1*(SP search-key)
import { syntaxError } from '../errors.ts';
import { SELECTED, defineCommand } from './spec.ts';
import { readSearchProgram, type SearchProgram } from './search-keys.ts';

export type ThreadAlgorithm = 'ORDEREDSUBJECT' | 'REFERENCES';

export interface ThreadRequest extends SearchProgram {
  readonly name: 'THREAD' | 'UID THREAD';
  readonly algorithm: ThreadAlgorithm;
  readonly charset: string;
}

function define(name: ThreadRequest['name']) {
  return defineCommand<ThreadRequest>({
    name,
    grammar: `tag ${name} SP thread-alg SP search-criteria`,
    states: SELECTED,
    usesSequenceNumbers: name === 'THREAD',
    expunges: false,
    read(args) {
      const algorithm = args.keyword('threading algorithm');
      if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') throw syntaxError('Unknown threading algorithm');
      const program = readSearchProgram(args, true);
      return { name, algorithm, charset: program.charset!, criteria: program.criteria };
    },
  });
}

export const threadCommand = define('THREAD');
export const uidThreadCommand = define('UID THREAD');
