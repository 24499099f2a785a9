// `sealpost stats`: anonymous daily totals; no line names a mailbox.
import { loadNodeCrypto } from '../../../crypto/node.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';

export const statsCommand: Command = {
  path: ['stats'],
  usage: 'stats [--from YYYY-MM-DD]',
  summary: 'Show anonymous daily totals: messages in and out, spam refused, signups, top-ups, deletions.',
  options: { from: { type: 'string' } },
  optionHelp: ['--from DAY       the first UTC day to show (default: every day kept)'],
  async run({ dataDir, config, values, print }) {
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      const { days } = await admin.call('stats.daily', { fromDay: values.from as string | undefined });
      print('day         messages-in  messages-out  spam-refused  spam-junked  signups  top-ups  accounts-deleted');
      for (const day of days) {
        const cells = [day.messagesIn, day.messagesOut, day.spamRejected, day.spamJunked, day.signups, day.topUps, day.accountsDeleted];
        const widths = [11, 13, 13, 12, 8, 8, 16];
        print(`${day.day}  ${cells.map((cell, index) => String(cell).padStart(widths[index]!)).join(' ')}`);
      }
    } finally {
      await admin.close();
    }
  },
};
