// Notices Sealpost itself puts into a user's Inbox (credit reminders, expiry, the
// inactivity rule, many deletions): plain text mail, composed by nodemailer's composer and
// delivered through the one ingest path like any other message, so they are encrypted to
// the user's public key and the operator cannot read them either.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Accounts } from './accounts.ts';
import type { CoreContext } from './context.ts';
import type { Ingest } from './ingest.ts';
import { toHex } from './records.ts';

export interface Notice {
  subject: string;
  text: string;
}

export class Notices {
  readonly #context: CoreContext;
  readonly #accounts: Accounts;
  readonly #ingest: Ingest;
  readonly #sender: string;

  constructor(context: CoreContext, accounts: Accounts, ingest: Ingest, sender: string) {
    this.#context = context;
    this.#accounts = accounts;
    this.#ingest = ingest;
    this.#sender = sender;
  }

  async deliver(accountId: string, notice: Notice): Promise<void> {
    const account = await this.#accounts.get(accountId);
    const senderDomain = /@([^>\s]+)>?\s*$/.exec(this.#sender)?.[1] ?? 'localhost';
    const message = await new MailComposer({
      from: this.#sender,
      to: account.address,
      subject: notice.subject,
      text: notice.text,
      date: new Date(this.#context.clock.now()),
      messageId: `<${toHex(this.#context.crypto.randomBytes(12))}@${senderDomain}>`,
    })
      .compile()
      .build();
    await this.#ingest.deliver({
      source: 'system',
      recipients: [{ accountId, address: account.address }],
      content: (async function* () {
        yield new Uint8Array(message);
      })(),
    });
  }
}
