// The plaintext of a message's metadata record, encrypted under its content key: the MIME
// summary computed at ingest (envelope, structure with byte offsets, sort keys, preview),
// so that listing and FETCH ENVELOPE/BODYSTRUCTURE never decrypt bodies.
import type { MessageSummary } from './structure.ts';

export interface MessageMetadata {
  v: 1;
  summary: MessageSummary;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeMetadata(summary: MessageSummary): Uint8Array {
  return encoder.encode(JSON.stringify({ v: 1, summary } satisfies MessageMetadata));
}

export function decodeMetadata(bytes: Uint8Array): MessageMetadata {
  const parsed = JSON.parse(decoder.decode(bytes)) as MessageMetadata;
  if (parsed.v !== 1) throw new Error(`unsupported metadata record version ${String(parsed.v)}`);
  return parsed;
}
