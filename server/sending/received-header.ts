// The Received trace header (RFC 5321 section 4.4). On the MX it names the sending mail
// server, which docs/design.md allows: it is server-to-server, and the header is stored inside the
// encrypted message. Submission (another listener) builds it with neither the client's
// address nor its HELO name.
import { formatRfc5322Date } from '../../mime/date.ts';

export interface ReceivedFields {
  /** The peer's HELO name; omitted for submission, where it is often the client's own
   * machine name. */
  heloName?: string;
  /** The peer mail server's address; omitted (undefined) for submission. */
  peerAddress?: string;
  hostname: string;
  protocol: string;
  queueId: string;
  date: Date;
}

/** HELO names are attacker-chosen: keep only characters valid in a domain or literal. */
function sanitizeHelo(name: string): string {
  return name.replace(/[^A-Za-z0-9.\-:[\]]/g, '').slice(0, 255) || 'unknown';
}

export function receivedHeader(fields: ReceivedFields): Uint8Array {
  const helo = fields.heloName === undefined ? null : sanitizeHelo(fields.heloName);
  const from = helo === null ? null : fields.peerAddress ? `${helo} ([${fields.peerAddress}])` : helo;
  const text =
    (from === null ? 'Received: ' : `Received: from ${from}\r\n\t`) +
    `by ${fields.hostname} (Sealpost) with ${fields.protocol} id ${fields.queueId};\r\n` +
    `\t${formatRfc5322Date(fields.date)}\r\n`;
  return new TextEncoder().encode(text);
}
