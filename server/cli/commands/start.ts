import { createLogger } from '../../log.ts';
import { startSealpost } from '../../main.ts';
import type { Command } from '../command.ts';

export const startCommand: Command = {
  path: ['start'],
  usage: 'start [--data-dir DIR] [--set KEY=VALUE]…',
  summary: 'Start every enabled service and print where each listens. Stops on SIGINT or SIGTERM.',
  async run({ dataDir, config, print }) {
    const logger = createLogger(config.log.level);
    const service = await startSealpost({ dataDir, config, logger });
    print(`Sealpost is running (data directory ${service.paths.root})`);
    for (const listener of service.listeners) {
      const host = listener.name === 'metrics' ? config.metrics.listenAddress : config.listenAddress;
      const security = listener.tls === 'implicit' ? 'TLS' : listener.tls === 'starttls' ? 'STARTTLS' : 'plain HTTP';
      print(`  ${listener.name.padEnd(12)} ${host}:${listener.port} (${security})`);
    }
    const domains = await service.core.domains.list();
    print(`  ${'domains'.padEnd(12)} ${domains.join(', ')}`);
    print('');
    print(`Create the first account: npm run sealpost -- account create someone@${domains[0] ?? config.demoDomain}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    print('stopping…');
    await service.close();
  },
};
