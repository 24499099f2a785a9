import { initDataDir } from '../../data-dir.ts';
import { ensureDkimKey } from '../../dkim/keys.ts';
import type { Command } from '../command.ts';

export const initCommand: Command = {
  path: ['init'],
  usage: 'init [--data-dir DIR]',
  summary: 'Create the data directory: server key files, a self-signed TLS certificate and a config file with the defaults.',
  details: 'Existing keys, certificates and config are never overwritten. `sealpost start` runs this itself when needed.',
  async run({ dataDir, config, print }) {
    const { created, paths } = await initDataDir(dataDir, config);
    print(`data directory: ${paths.root}`);
    const dkim = await ensureDkimKey(dataDir, config.demoDomain, new Date());
    if (dkim.created) created.push(`DKIM key for ${config.demoDomain} (selector ${dkim.key.selector})`);
    for (const path of created) print(`  created ${path}`);
    if (created.length === 0) print('  nothing to create: already initialised');
  },
};
