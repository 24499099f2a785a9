// One budget for the bytes of arriving messages the MX holds whole in memory while the
// checks run (server/filter/): each message reserves its bytes as they arrive and gives them
// back once it is stored, refused or abandoned, so that the memory those messages take stays
// below a fixed bound however many peers send at once.

/** The bytes one message holds against the budget. */
export interface BufferReservation {
  /** Holds `bytes` more; false, and nothing held, when they would pass the budget. */
  add(bytes: number): boolean;
  /** Gives back everything held. Safe to call again, so every exit path may call it. */
  release(): void;
}

export class BufferBudget {
  readonly limitBytes: number;
  #bufferedBytes = 0;

  constructor(limitBytes: number) {
    if (!Number.isSafeInteger(limitBytes) || limitBytes <= 0)
      throw new RangeError(`a buffer budget must be a positive whole number of bytes, got ${limitBytes}`);
    this.limitBytes = limitBytes;
  }

  /** Bytes held by all reservations now. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /** Whether `bytes` more would fit now; reserves nothing. */
  hasRoomFor(bytes: number): boolean {
    return this.#bufferedBytes + bytes <= this.limitBytes;
  }

  /** An empty reservation, to grow while a message is read. */
  reserve(): BufferReservation {
    let held = 0;
    return {
      add: (bytes) => {
        if (!this.hasRoomFor(bytes)) return false;
        held += bytes;
        this.#bufferedBytes += bytes;
        return true;
      },
      release: () => {
        this.#bufferedBytes -= held;
        held = 0;
      },
    };
  }
}
