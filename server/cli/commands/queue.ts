// `sealpost queue list | retry <id> | delete <id>`: the outbound queue for operators, showing
// envelope and status (never content), through the running server or, with none running,
// on the spool directly.
import { loadNodeCrypto } from '../../../crypto/node.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';

const time = (epochMs: number) => new Date(epochMs).toISOString().replace('T', ' ').slice(0, 19);

export const queueListCommand: Command = {
  path: ['queue', 'list'],
  usage: 'queue list',
  summary: 'List queued outbound messages: id, sender, size, attempts, next attempt, and per recipient its status and last result.',
  async run({ dataDir, config, print }) {
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      const { entries } = await admin.call('queue.list', {});
      if (entries.length === 0) print('the queue is empty');
      for (const entry of entries) {
        const state = entry.delivering ? 'delivering now' : `next attempt ${time(entry.nextAttemptAt)}`;
        print(`${entry.id}  from <${entry.from}>  ${entry.size} bytes  queued ${time(entry.createdAt)}  ${entry.attempts} attempts  ${state}`);
        for (const recipient of entry.recipients) {
          print(`    ${recipient.status.padEnd(9)} <${recipient.address}>${recipient.lastResult ? `  ${recipient.lastResult}` : ''}`);
        }
      }
    } finally {
      await admin.close();
    }
  },
};

export const queueRetryCommand: Command = {
  path: ['queue', 'retry'],
  usage: 'queue retry <id>',
  summary: 'Try a queued message again now (or at the next start when no server runs).',
  async run({ dataDir, config, positionals, print }) {
    const [id] = positionals;
    if (!id) throw new Error('queue retry needs a queue id (see `sealpost queue list`)');
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      await admin.call('queue.retry', { id });
      print(`${id} is due now`);
    } finally {
      await admin.close();
    }
  },
};

export const queueDeleteCommand: Command = {
  path: ['queue', 'delete'],
  usage: 'queue delete <id>',
  summary: 'Remove a queued message without delivering it and without telling the sender.',
  async run({ dataDir, config, positionals, print }) {
    const [id] = positionals;
    if (!id) throw new Error('queue delete needs a queue id (see `sealpost queue list`)');
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      await admin.call('queue.delete', { id });
      print(`deleted ${id}`);
    } finally {
      await admin.close();
    }
  },
};
