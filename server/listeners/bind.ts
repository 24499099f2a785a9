// Binding a listener, the same for every front-end (IMAP, POP3, MX, submission): a bind
// failure (port taken, no permission) rejects instead of surfacing later as an 'error'
// event, and the port comes back, which is the system's choice when port 0 was asked for.
import type { Server } from 'node:net';

/** A listener that is up: the port it got, and how to stop it. */
export interface RunningListener {
  port: number;
  close(): Promise<void>;
}

export async function bindListener(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}
