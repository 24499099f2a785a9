// Why a delivery did not happen, in the terms a DSN and the delivery log need: temporary
// (retry later) or permanent (bounce now), an RFC 3463 status code, and the text to show,
// which is the remote server's reply when there was one.

export type FailureKind = 'temporary' | 'permanent';

export class DeliveryFailure extends Error {
  readonly code = 'DELIVERY_FAILED';

  constructor(
    readonly kind: FailureKind,
    /** RFC 3463 enhanced status code, e.g. 4.4.1. */
    readonly status: string,
    message: string,
    /** The remote server's reply line, when the failure is its answer. */
    readonly response: string | null = null,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }

  static temporary(status: string, message: string, response: string | null = null): DeliveryFailure {
    return new DeliveryFailure('temporary', status, message, response);
  }

  static permanent(status: string, message: string, response: string | null = null): DeliveryFailure {
    return new DeliveryFailure('permanent', status, message, response);
  }

  /** From a remote SMTP reply: the class of the reply decides, its enhanced code (or one
   * derived from the basic code) is the status. */
  static fromReply(reply: string, context: string): DeliveryFailure {
    const line = oneLine(reply);
    const basic = Number(/^(\d{3})/.exec(line)?.[1] ?? 0);
    const enhanced = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(line)?.[1];
    const permanent = basic >= 500;
    const status = enhanced && enhanced[0] === String(basic)[0] ? enhanced : permanent ? '5.0.0' : '4.0.0';
    return new DeliveryFailure(permanent ? 'permanent' : 'temporary', status, `${context}: ${line}`, line);
  }
}

/** Remote replies go into DSNs and the delivery log: one line of printable ASCII, bounded. */
export function oneLine(text: string): string {
  return text
    .replace(/\r?\n(\d{3}[ -])?/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, MAX_REPLY_CHARS)
    .trim();
}

/** Longer replies are cut: RFC 5321 limits a reply line to 512 octets. */
const MAX_REPLY_CHARS = 512;
