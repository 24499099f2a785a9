// Remote mail servers for outbound tests, on loopback ephemeral ports: a real smtp-server
// that records what it receives and can defer, refuse, stall or drop on request, and bare
// sockets that misbehave below SMTP (garbage greeting, silence).
import { createServer, type Server, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { generate } from 'selfsigned';
import { installEnhancedStatusOverride, smtpReply } from '../../server/smtp/enhanced-status.ts';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  secure: boolean;
  connectionId: string;
}

export interface RemoteMxOptions {
  /** Offer STARTTLS (default true). */
  starttls?: boolean;
  /** TLS key and certificate; a self-signed one for "localhost" by default. */
  tls?: { key: string; cert: string };
  /** Answers for RCPT; return a reply line like "550 5.1.1 No such user" to refuse (the
   * enhanced code is sent as given). */
  rcptReply?: (address: string) => string | null;
  /** Answer for DATA (after the message arrived): a reply line to refuse, null to accept. */
  dataReply?: (message: ReceivedMessage, index: number) => string | null;
  /** Destroy the connection instead of answering the final dot of these messages (0-based). */
  dropAfterData?: (index: number) => boolean;
  /** Wait this long before answering DATA. */
  dataDelayMs?: number;
}

export interface RemoteMx {
  port: number;
  received: ReceivedMessage[];
  /** Every DATA attempt, accepted or not. */
  attempts: number;
  connections: number;
  close(): Promise<void>;
}

const certificates = new Map<string, Promise<{ key: string; cert: string }>>();

/** A self-signed certificate for one host name (its own trust anchor in tests). */
export function certificateFor(hostname: string): Promise<{ key: string; cert: string }> {
  let certificate = certificates.get(hostname);
  if (!certificate) {
    certificate = generate([{ name: 'commonName', value: hostname }], {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2 as const, value: hostname }] }],
    }).then((pems) => ({ key: pems.private, cert: pems.cert }));
    certificates.set(hostname, certificate);
  }
  return certificate;
}

function replyError(session: SMTPServerSession, line: string): Error {
  const [, code, enhanced, text] = /^(\d{3}) (\d\.\d{1,3}\.\d{1,3}) (.*)$/.exec(line)!;
  return smtpReply(session as { pendingEnhancedStatus?: string }, Number(code), enhanced!, text!);
}

export async function startRemoteMx(options: RemoteMxOptions = {}): Promise<RemoteMx> {
  installEnhancedStatusOverride();
  const tls = options.tls ?? (await certificateFor('localhost'));
  const state: RemoteMx = { port: 0, received: [], attempts: 0, connections: 0, close: async () => undefined };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    authOptional: true,
    disabledCommands: options.starttls === false ? ['AUTH', 'STARTTLS'] : ['AUTH'],
    hideENHANCEDSTATUSCODES: false,
    logger: false,
    size: 50 * 1024 * 1024,
    onConnect(_session, callback) {
      state.connections += 1;
      callback();
    },
    onRcptTo(address, session, callback) {
      const reply = options.rcptReply?.(address.address);
      callback(reply ? replyError(session, reply) : undefined);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const index = state.attempts++;
        const message: ReceivedMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          connectionId: session.id,
        };
        if (options.dropAfterData?.(index)) {
          for (const socket of sockets) socket.destroy();
          return;
        }
        const answer = () => {
          const reply = options.dataReply?.(message, index);
          if (reply) return callback(replyError(session, reply));
          state.received.push(message);
          callback(null, `Ok: queued as remote-${index}`);
        };
        if (!options.dataDelayMs) return answer();
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, options.dataDelayMs);
        timers.add(timer);
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as { port: number }).port;
  state.close = async () => {
    for (const timer of timers) clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/** A TCP server that misbehaves below SMTP: 'garbage' greets with nonsense, 'silent' never
 * says anything. */
export async function startBrokenServer(kind: 'garbage' | 'silent'): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, close: async () => undefined };
  const server: Server = createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (kind === 'garbage') socket.write('HTTP/1.1 400 Bad Request\r\n\x00\x01\x02 not smtp at all\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as { port: number }).port;
  state.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
