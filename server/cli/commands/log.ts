// `sealpost log search`: the delivery log of one address (7 days at most: docs/design.md promise 5).
import { loadNodeCrypto } from '../../../crypto/node.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';

export const logSearchCommand: Command = {
  path: ['log', 'search'],
  usage: 'log search --address <address> [--since YYYY-MM-DD]',
  summary: 'Show the delivery log of an address: time, direction, size, remote server, status.',
  details: 'The log keeps the last 7 days (retention.deliveryLogDays); older days are deleted by the retention job.',
  options: { address: { type: 'string' }, since: { type: 'string' } },
  optionHelp: ['--address ADDR   the mailbox address (or an alias)', '--since DAY      only entries from this UTC day on'],
  async run({ dataDir, config, values, print }) {
    const address = values.address as string | undefined;
    if (!address) throw new Error('log search needs --address');
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      const { entries } = await admin.call('log.search', { address, since: values.since as string | undefined });
      if (entries.length === 0) print(`no delivery-log entries for ${address}`);
      for (const entry of entries) {
        const time = new Date(entry.time).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const peer = entry.remote ?? (entry.recipientDomain ? `to ${entry.recipientDomain}` : 'local');
        print(`${time}  ${entry.direction.padEnd(3)}  ${String(entry.size).padStart(9)} B  ${entry.status.padEnd(10)}  ${peer}  (${entry.source})`);
      }
    } finally {
      await admin.close();
    }
  },
};
