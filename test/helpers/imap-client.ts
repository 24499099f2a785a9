// An imapflow client for a test service's implicit-TLS port (its certificate is self-signed).
import { ImapFlow } from 'imapflow';
import type { TestService } from './service.ts';

export function imapClient(service: TestService, user: string, pass: string): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: service.port('imaps'),
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass },
    logger: false,
  });
}
