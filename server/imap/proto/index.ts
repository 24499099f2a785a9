// The public surface of the IMAP wire layer for the session: receive, parse, respond.
// Nothing here performs I/O; see receiver.ts for how to drive it.
export { Receiver, DEFAULT_LIMITS, LITERAL_MINUS_LIMIT, type ReceiverEvent, type ReceiverLimits } from './receiver.ts';
export { ProtoError, type ProtoErrorCode } from './errors.ts';
export {
  serializeResponse,
  serializeToBytes,
  chunkBytes,
  responseForError,
  type Response,
  type ResponseCode,
  type FetchItem,
  type BodyData,
  type NestedValue,
  type ThreadNode,
  type Namespace,
  type StatusValues,
  type SerializeOptions,
  type ResponseChunk,
  type StreamedPayload,
} from './response.ts';
export {
  COMMANDS,
  parseCommand,
  requestUsesSequenceNumbers,
  type Request,
  type CommandName,
  type CommandSpec,
  type SessionState,
} from './commands/index.ts';
export {
  parseSequenceSet,
  resolveSequenceNumbers,
  resolveUids,
  normaliseRanges,
  formatSequenceSet,
  formatSequenceRanges,
  type SequenceSet,
  type SeqRange,
} from './seqset.ts';
export { encodeModifiedUtf7, decodeModifiedUtf7 } from './utf7.ts';
export { parseDateTime, parseDate, formatDateTime, type ImapDateTime, type ImapDate } from './datetime.ts';
export type { BodySection } from './section.ts';
export type { AppendHead } from './commands/append.ts';
