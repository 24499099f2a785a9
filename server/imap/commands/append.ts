// tag APPEND mailbox [SP flag-list] [SP date-time] SP (literal / literal8 / "UTF8" SP "(" literal8 ")")
// The message is streamed from the socket into the one write path (core.ingest.deliver),
// encrypted under the session's keys as it arrives, never held whole. The size is known
// before the first byte, so APPENDLIMIT and the quota are checked before "+ Ready". The
// tagged OK [APPENDUID] is sent only once the message is durable (docs/design.md promise 7).
import { isMailError } from '../../core/errors.ts';
import type { DeliveryOutcome } from '../../core/ingest.ts';
import type { CommandResult } from '../command.ts';
import { bad, no, ok } from '../command.ts';
import { resultForError } from '../errors.ts';
import type { AppendHead } from '../proto/index.ts';
import type { Session } from '../session.ts';

/** Bytes queued between the socket and the encryptor before the socket is made to wait. */
const QUEUE_HIGH_WATER = 1024 * 1024;

export interface AppendUpload {
  /** Message bytes in order; resolves when the next piece may come. */
  push(bytes: Uint8Array): Promise<void>;
  /** The command ended correctly: wait until the message is stored and answer. */
  finish(): Promise<CommandResult>;
  /** The command failed on the wire: drop what was received, store nothing. */
  abort(): void;
}

/** Decides on an APPEND before its message is read: an upload to stream it into, or the
 * refusal to send instead of "+ Ready". */
export async function beginAppend(session: Session, head: AppendHead, size: number): Promise<AppendUpload | CommandResult> {
  if (head.utf8 && !session.enabled.utf8Accept) return bad('The UTF8 form of APPEND needs ENABLE UTF8=ACCEPT');
  const limit = session.services.config.appendLimit;
  if (size > limit) return no(`The message exceeds the size limit of ${limit} octets`, { code: 'TOOBIG' });
  const target = await session.findFolder(head.mailbox);
  if (!target) return no('No such mailbox', { code: 'TRYCREATE' });
  const { accountId, keys, address } = session.account;
  const channel = new ByteChannel();
  const delivery = session.core.ingest.deliver({
    source: 'append',
    recipients: [
      {
        accountId,
        address,
        folderId: target.folder.id,
        keys,
        flags: [...head.flags],
        internalDate: head.internalDate?.timestamp,
      },
    ],
    content: channel,
    declaredSize: size,
  });
  // Ingest checks the declared size and the quota before it reads the first byte: its
  // refusal then comes before "+ Ready", and no byte of the message is sent for nothing.
  const refused = await Promise.race([
    channel.started.then(() => undefined),
    delivery.then(
      () => undefined,
      (error: unknown) => error,
    ),
  ]);
  if (refused !== undefined) {
    if (isMailError(refused)) return resultForError(refused, session.logger, 'APPEND');
    throw refused;
  }
  // The consumer may still fail before the client has sent everything: keep reading (and
  // dropping) the literal so that the connection stays in step; report it at the end.
  delivery.catch(() => channel.stopConsuming());
  return {
    push: (bytes) => channel.push(bytes),
    async finish() {
      channel.close();
      let outcome: DeliveryOutcome;
      try {
        outcome = await delivery;
      } catch (error) {
        return resultForError(error, session.logger, 'APPEND');
      }
      const stored = outcome.stored[0]!;
      return ok('Append completed', { code: 'APPENDUID', uidValidity: stored.uidValidity, uids: [stored.uid] });
    },
    abort() {
      channel.fail(new Error('APPEND aborted by a protocol error'));
      delivery.catch(() => undefined);
    },
  };
}

/** Bytes from the socket to ingest: an async iterable with backpressure both ways. */
class ByteChannel implements AsyncIterable<Uint8Array> {
  #queue: Uint8Array[] = [];
  #queued = 0;
  #closed = false;
  #error: Error | undefined;
  #consumerGone = false;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;
  #onStart: () => void = () => undefined;
  /** Resolves when the consumer asks for its first bytes. */
  readonly started = new Promise<void>((resolve) => (this.#onStart = resolve));

  async push(bytes: Uint8Array): Promise<void> {
    if (this.#consumerGone) return;
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    this.#wake();
    if (this.#queued > QUEUE_HIGH_WATER) await new Promise<void>((resolve) => (this.#wakeProducer = resolve));
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  fail(error: Error): void {
    this.#error = error;
    this.#wake();
  }

  stopConsuming(): void {
    this.#consumerGone = true;
    this.#queue = [];
    this.#queued = 0;
    this.#wakeProducer?.();
  }

  #wake(): void {
    const wake = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.#onStart();
    for (;;) {
      if (this.#error) throw this.#error;
      const next = this.#queue.shift();
      if (next) {
        this.#queued -= next.length;
        if (this.#queued <= QUEUE_HIGH_WATER) {
          const wake = this.#wakeProducer;
          this.#wakeProducer = undefined;
          wake?.();
        }
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
    }
  }
}
