// `sealpost credit book`: the operator books a payment that arrived with a payment code.
// The code is erased in the same step; the output names no account, on purpose.
import { loadNodeCrypto } from '../../../crypto/node.ts';
import { formatCents } from '../../core/billing/ledger.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';

export const creditBookCommand: Command = {
  path: ['credit', 'book'],
  usage: 'credit book <code> <cents>',
  summary: 'Book a payment that arrived with a payment code: credits its account and erases the code.',
  details:
    'The amount is a whole number of cents (500 for 5.00 EUR). The account is credited and the code erased\n' +
    'in one step, so nothing links the payment to a mailbox afterwards; the output names no account.\n' +
    'A mistyped code is caught by its check character; nothing is booked then.',
  async run({ dataDir, config, positionals, print }) {
    const [code, amount] = positionals;
    if (!code || amount === undefined) throw new Error('credit book needs a payment code and an amount in cents');
    if (!/^\d{1,12}$/.test(amount)) throw new Error(`the amount must be a whole, positive number of cents (500 for 5.00), not "${amount}"`);
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      const booked = await admin.call('credit.book', { code, amountCents: Number(amount) });
      print(`booked ${formatCents(booked.amountCents, booked.currency)}`);
      print('The payment code is erased: nothing links this payment to a mailbox any more.');
    } finally {
      await admin.close();
    }
  },
};
