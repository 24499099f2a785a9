// A DNS server on loopback UDP that records the names asked, to prove what a program (rspamd)
// tells DNS about a message: a blocklist lookup is a question about a name, so the names asked
// are exactly what leaves the machine that way. It answers from the A records it is given
// (for a blocklist, an address means "listed") and NXDOMAIN for any other name (not listed).
import { createSocket, type RemoteInfo } from 'node:dgram';

export interface DnsQuestion {
  /** Lowercase, without the trailing dot. */
  name: string;
  /** Numeric RR type (1 = A, 12 = PTR, 16 = TXT, 28 = AAAA, …). */
  type: number;
}

export interface RecordingDnsServer {
  /** host:port, as rspamd's `dns { nameserver }` wants it. */
  address: string;
  readonly questions: readonly DnsQuestion[];
  close(): Promise<void>;
}

/** RFC 1035 4.1.1: 12-byte header; QR, opcode, AA, TC, RD in byte 2; RA, Z, RCODE in byte 3. */
const HEADER_BYTES = 12;
const FLAG_RESPONSE = 0x80;
const FLAG_RECURSION_DESIRED = 0x01;
const FLAG_RECURSION_AVAILABLE = 0x80;
const RCODE_NXDOMAIN = 3;
const TYPE_A = 1;
const CLASS_IN = 1;
/** An answer's owner name as a compression pointer to the question's name, which starts at byte 12. */
const POINTER_TO_QUESTION_NAME = 0xc000 | HEADER_BYTES;
/** Short, so that nothing a test depends on outlives it in a cache. */
const ANSWER_TTL_SECONDS = 1;
/** QTYPE and QCLASS after the name. */
const QUESTION_TAIL_BYTES = 4;
/** RFC 1035 2.3.4. */
const MAX_LABEL_BYTES = 63;
/** An A record's data: an IPv4 address. */
const A_DATA_BYTES = 4;

/** The first question's name and type and where the question ends, or null for a malformed query. */
function parseQuestion(query: Buffer): (DnsQuestion & { end: number }) | null {
  if (query.length < HEADER_BYTES || query.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let offset = HEADER_BYTES;
  for (;;) {
    const length = query[offset];
    if (length === undefined || length > MAX_LABEL_BYTES) return null; // a query's name is never compressed
    offset += 1;
    if (length === 0) break;
    if (offset + length > query.length) return null;
    labels.push(query.subarray(offset, offset + length).toString('latin1'));
    offset += length;
  }
  if (offset + QUESTION_TAIL_BYTES > query.length) return null;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(offset), end: offset + QUESTION_TAIL_BYTES };
}

function aRecord(address: string): Buffer {
  const record = Buffer.alloc(12 + A_DATA_BYTES);
  record.writeUInt16BE(POINTER_TO_QUESTION_NAME, 0);
  record.writeUInt16BE(TYPE_A, 2);
  record.writeUInt16BE(CLASS_IN, 4);
  record.writeUInt32BE(ANSWER_TTL_SECONDS, 6);
  record.writeUInt16BE(A_DATA_BYTES, 10);
  for (const [index, octet] of address.split('.').entries()) record.writeUInt8(Number(octet), 12 + index);
  return record;
}

/** The answer record for a question; null when the name has no record of that type, undefined when it is unknown. */
function lookUp(addresses: Readonly<Record<string, string>>, { name, type }: DnsQuestion): Buffer | null | undefined {
  const address = addresses[name];
  if (address === undefined) return undefined;
  return type === TYPE_A ? aRecord(address) : null;
}

function reply(query: Buffer, questionEnd: number, record: Buffer | null | undefined): Buffer {
  const header = Buffer.from(query.subarray(0, questionEnd));
  header[2] = FLAG_RESPONSE | (query[2]! & FLAG_RECURSION_DESIRED);
  header[3] = FLAG_RECURSION_AVAILABLE | (record === undefined ? RCODE_NXDOMAIN : 0);
  header.writeUInt16BE(1, 4); // the one question, echoed
  header.writeUInt16BE(record ? 1 : 0, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10); // no additional section: the query's EDNS record is not echoed
  return record ? Buffer.concat([header, record]) : header;
}

/** addresses: the IPv4 address of each name it knows, lowercase, without the trailing dot. */
export async function startRecordingDnsServer(addresses: Readonly<Record<string, string>> = {}): Promise<RecordingDnsServer> {
  const socket = createSocket('udp4');
  const questions: DnsQuestion[] = [];
  socket.on('message', (query: Buffer, peer: RemoteInfo) => {
    const question = parseQuestion(query);
    if (!question) return;
    questions.push({ name: question.name, type: question.type });
    socket.send(reply(query, question.end, lookUp(addresses, question)), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    address: `127.0.0.1:${socket.address().port}`,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
