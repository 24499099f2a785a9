// `sealpost voucher create`: codes to sell anywhere. Printed once; only hashes are kept.
import { loadNodeCrypto } from '../../../crypto/node.ts';
import { formatCents } from '../../core/billing/ledger.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';

export const voucherCreateCommand: Command = {
  path: ['voucher', 'create'],
  usage: 'voucher create --value <cents> --count <n>',
  summary: 'Create vouchers to sell: prints their codes, one per line, once.',
  details:
    'Only an Argon2id hash of each code is stored, so the codes printed here exist nowhere else: print or\n' +
    'hand them over now. Redeeming one (in the web client) marks it used and records nothing about who did.',
  options: { value: { type: 'string' }, count: { type: 'string' } },
  optionHelp: ['--value CENTS    what each voucher is worth, e.g. 1200 for 12.00 EUR', '--count N        how many to create (1 to 10000)'],
  async run({ dataDir, config, values, print }) {
    const value = values.value as string | undefined;
    const count = (values.count as string | undefined) ?? '1';
    if (!value || !/^\d{1,12}$/.test(value)) throw new Error('voucher create needs --value, a whole, positive number of cents');
    if (!/^\d{1,6}$/.test(count)) throw new Error('--count must be a whole number from 1 to 10000');
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      const created = await admin.call('voucher.create', { valueCents: Number(value), count: Number(count) });
      for (const code of created.codes) print(code);
      process.stderr.write(
        `created ${created.codes.length} voucher${created.codes.length === 1 ? '' : 's'} of ${formatCents(created.valueCents, created.currency)} each; the codes are not shown again\n`,
      );
    } finally {
      await admin.close();
    }
  },
};
