// Helpers shared by the wire-layer tests: run wire text through a real Receiver and
// collect its events in a comparable form, and a seeded PRNG for reproducible splits.
import { Receiver, type ReceiverEvent, type ReceiverLimits } from '../../../server/imap/proto/receiver.ts';
import type { Request } from '../../../server/imap/proto/commands/index.ts';
import type { ProtoError } from '../../../server/imap/proto/errors.ts';

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** xorshift32: deterministic, so a failing split is reproducible from its seed. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** An event as plain data (bytes as text, errors as code + tag) for deepEqual. */
export type PlainEvent = Record<string, unknown>;

export function plain(event: ReceiverEvent): PlainEvent {
  switch (event.kind) {
    case 'error':
      return { kind: 'error', code: event.error.code, tag: event.error.tag };
    case 'command':
    case 'append-complete':
      return { kind: event.kind, tag: event.tag, request: event.request };
    case 'append-chunk':
      return { kind: event.kind, tag: event.tag, bytes: decode(event.bytes) };
    case 'auth-response':
      return { kind: event.kind, tag: event.tag, data: decode(event.data) };
    default:
      return { ...event };
  }
}

export interface DriveOptions {
  limits?: Partial<ReceiverLimits>;
  utf8Accept?: boolean;
  /** What to do at 'append-begin'; accept by default. */
  appendDecision?: 'accept' | 'refuse';
  /** Called after each event; may switch the receiver's mode (IDLE, AUTHENTICATE). */
  onEvent?: (event: ReceiverEvent, receiver: Receiver) => void;
}

/** Feeds `pieces` one after another, draining events after each, and merges adjacent
 * append chunks so that different splits compare equal. */
export function drive(pieces: readonly Uint8Array[], options: DriveOptions = {}): PlainEvent[] {
  const receiver = new Receiver(options.limits, { utf8Accept: options.utf8Accept ?? false });
  const events: PlainEvent[] = [];
  const drain = (): void => {
    for (let ev = receiver.next(); ev !== undefined; ev = receiver.next()) {
      const p = plain(ev);
      const last = events[events.length - 1];
      if (p.kind === 'append-chunk' && last?.kind === 'append-chunk') last.bytes = (last.bytes as string) + (p.bytes as string);
      else events.push(p);
      if (ev.kind === 'append-begin') {
        if ((options.appendDecision ?? 'accept') === 'accept') receiver.acceptLiteral();
        else receiver.refuseLiteral();
      }
      options.onEvent?.(ev, receiver);
    }
  };
  for (const piece of pieces) {
    receiver.feed(piece);
    drain();
  }
  return events;
}

export function splitEvery(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

export function splitRandomly(bytes: Uint8Array, random: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(random() * 24);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Parses one complete command line (CRLF added) and returns its typed request or error. */
export function parseLine(line: string, utf8Accept = false): Request | ProtoError {
  const receiver = new Receiver({}, { utf8Accept });
  receiver.feed(encode(`${line}\r\n`));
  for (let ev = receiver.next(); ev !== undefined; ev = receiver.next()) {
    if (ev.kind === 'command') return ev.request;
    if (ev.kind === 'error') return ev.error;
  }
  throw new Error(`No event for ${JSON.stringify(line)}`);
}
