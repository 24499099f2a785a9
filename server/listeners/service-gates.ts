// One ConnectionGate per service, from the configuration, with the services' caps fitted
// under the process's open-file limit (file-limit.ts).
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/context.ts';
import type { Logger } from '../log.ts';
import { addressList, ConnectionGate } from './connection-gate.ts';
import { fitConnectionCaps, RESERVED_FILE_HANDLES, type OpenFileLimit } from './file-limit.ts';

export type ServiceName = 'mx' | 'submission' | 'imap' | 'pop3' | 'web';

export function serviceGates(config: Config, fileLimit: OpenFileLimit | undefined, clock: Clock, logger: Logger): Record<ServiceName, ConnectionGate> {
  const configured: Record<ServiceName, { maxConnections: number; perClient: Config['smtp']['mx']['perClient'] }> = {
    mx: config.smtp.mx,
    submission: config.smtp.submission,
    imap: config.imap.limits,
    pop3: config.pop3,
    web: config.web,
  };
  const caps = Object.fromEntries(Object.entries(configured).map(([name, limits]) => [name, limits.maxConnections])) as Record<ServiceName, number>;
  const reserved = RESERVED_FILE_HANDLES + config.outbound.maxConnections;
  const fitted = fileLimit ? fitConnectionCaps(caps, fileLimit.soft, reserved) : caps;
  if (fitted !== caps) {
    logger.warn(
      { openFileLimit: fileLimit?.soft, configured: caps, fitted },
      'the connection caps exceed the open-file limit and were lowered; raise LimitNOFILE',
    );
  }
  const exempt = addressList(config.clients.exempt, 'clients.exempt');
  const webExempt = addressList([config.clients.exempt, config.web.trustedProxies].filter(Boolean).join(','), 'web.trustedProxies');
  const gate = (name: ServiceName) =>
    new ConnectionGate({ maxConnections: fitted[name], perClient: configured[name].perClient }, name === 'web' ? webExempt : exempt, clock);
  return { mx: gate('mx'), submission: gate('submission'), imap: gate('imap'), pop3: gate('pop3'), web: gate('web') };
}
