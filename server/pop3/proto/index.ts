// The POP3 wire layer: framing, commands, replies, message encoding, SASL. No I/O and
// nothing of ours outside this directory; the session (../session.ts) drives it.
export { LineReader, type LineEvent } from './line-reader.ts';
export { COMMANDS, parseCommand, isValidIn, type Pop3Command, type CommandName, type Pop3State, type ParseResult, type ParseErrorCode } from './commands.ts';
export { okLine, errLine, multiLine, SASL_CONTINUATION, type ResponseCode } from './reply.ts';
export { MessageEncoder } from './message-encoder.ts';
export { topOfMessage } from './top.ts';
export { parseSaslResponse, parseInitialResponse, decodePlain, type SaslResponse, type PlainCredentials } from './sasl.ts';
