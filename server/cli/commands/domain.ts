import { loadNodeCrypto } from '../../../crypto/node.ts';
import { ensureDkimKey } from '../../dkim/keys.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';

export const domainAddCommand: Command = {
  path: ['domain', 'add'],
  usage: 'domain add <domain>',
  summary: 'Receive and send mail for another domain; makes its DKIM key.',
  async run({ dataDir, config, positionals, print }) {
    const [name] = positionals;
    if (!name) throw new Error('domain add needs a domain name');
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    let domain: string;
    try {
      domain = (await admin.call('domain.add', { name })).name;
      print(`added domain ${domain}`);
    } finally {
      await admin.close();
    }
    const { key, created } = await ensureDkimKey(dataDir, domain, new Date());
    print(`DKIM key ${created ? 'created' : 'kept'}: selector ${key.selector}`);
    print(`Publish its DNS records: sealpost dns ${domain}`);
  },
};

export const domainListCommand: Command = {
  path: ['domain', 'list'],
  usage: 'domain list',
  summary: 'List the domains this server receives mail for.',
  async run({ dataDir, config, print }) {
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      for (const name of (await admin.call('domain.list', {})).domains) print(name);
    } finally {
      await admin.close();
    }
  },
};
