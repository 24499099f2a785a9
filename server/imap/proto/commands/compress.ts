// tag COMPRESS SP algorithm                                              (RFC 4978)
// After the OK, both directions are deflated. The session must inflate everything the
// receiver has not yet consumed (Receiver.takeBuffered) before feeding it back; a client
// must not pipeline after COMPRESS, so normally nothing is left.
import { AUTHENTICATED, defineCommand } from './spec.ts';

export interface CompressRequest {
  readonly name: 'COMPRESS';
  /** Upper case; only DEFLATE is defined, the session answers NO for others. */
  readonly algorithm: string;
}

export const compressCommand = defineCommand<CompressRequest>({
  name: 'COMPRESS',
  grammar: 'tag COMPRESS SP algorithm',
  states: AUTHENTICATED,
  usesSequenceNumbers: false,
  expunges: false,
  read: (args) => ({ name: 'COMPRESS', algorithm: args.keyword('compression algorithm') }),
});
