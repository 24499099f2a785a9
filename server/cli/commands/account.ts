// Account commands. Keys are derived here, in the operator's process, from the password
// typed here: the server (or store) receives only verifiers and wrapped keys.
import { createAccountKeys, createSecretSlot } from '../../../crypto/account-keys.ts';
import { loadNodeCrypto } from '../../../crypto/node.ts';
import { accountKeysToWire } from '../../../shared/account-wire.ts';
import { fromBase64, toBase64 } from '../../core/records.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command } from '../command.ts';
import { readSecret } from '../prompt.ts';

/** Below this an Argon2id-stretched password is still guessable offline by a disk thief. */
const MIN_PASSWORD_LENGTH = 10;

export const accountCreateCommand: Command = {
  path: ['account', 'create'],
  usage: 'account create <address>',
  summary: 'Create a mailbox. Asks for its password (or reads it from standard input) and prints the recovery code.',
  details:
    'The password never leaves this process: keys are derived here with Argon2id and only verifiers and\n' +
    'wrapped keys are stored. Without the password or the recovery code the mail cannot be read by anyone.',
  async run({ dataDir, config, positionals, print }) {
    const [address] = positionals;
    if (!address) throw new Error('account create needs an address');
    const password = await readSecret(`Password for ${address}: `);
    if (process.stdin.isTTY && (await readSecret('Repeat the password: ')) !== password) throw new Error('the passwords differ');
    if ([...password].length < MIN_PASSWORD_LENGTH) throw new Error(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    const crypto = await loadNodeCrypto();
    const { material, recoveryCode } = await createAccountKeys(crypto, password, {
      algorithm: 'argon2id13',
      opsLimit: config.passwordKdf.opsLimit,
      memLimitBytes: config.passwordKdf.memLimitBytes,
    });
    const admin = await openAdmin(dataDir, config, crypto);
    try {
      const account = await admin.call('account.create', {
        address,
        material: accountKeysToWire(material),
      });
      print(`created ${account.address}`);
      print(`recovery code: ${recoveryCode}`);
      print('Keep the recovery code somewhere safe. Without the password or this code the mail is lost for good:');
      print('nobody, not even the operator, can recover it.');
    } finally {
      await admin.close();
    }
  },
};

export const accountAppPasswordCommand: Command = {
  path: ['account', 'app-password'],
  usage: 'account app-password <address> --label LABEL',
  summary: 'Create an app password for IMAP, POP3 and SMTP. Asks for the account password; prints the app password once.',
  details: 'The account password unlocks the mailbox key here, which is then wrapped for the new app password.',
  options: { label: { type: 'string' } },
  optionHelp: ['--label LABEL    what the app password is for, e.g. "Thunderbird on laptop"'],
  async run({ dataDir, config, positionals, values, print }) {
    const [address] = positionals;
    const label = values.label as string | undefined;
    if (!address) throw new Error('account app-password needs an address');
    if (!label) throw new Error('account app-password needs --label');
    const crypto = await loadNodeCrypto();
    const admin = await openAdmin(dataDir, config, crypto);
    try {
      const locked = await admin.call('account.locked', { address });
      const password = await readSecret(`Password for ${locked.address}: `);
      const derived = await crypto.deriveFromPassword(password, fromBase64(locked.salt), locked.kdf);
      let masterKey: Uint8Array;
      try {
        masterKey = crypto.unwrapKey(fromBase64(locked.passwordSlot), derived.kek, 'password');
      } catch {
        throw new Error('wrong password');
      } finally {
        crypto.wipe(derived.authKey, derived.kek);
      }
      const appPassword = crypto.newAppPassword();
      const slot = createSecretSlot(crypto, masterKey, appPassword, 'app-password');
      crypto.wipe(masterKey);
      await admin.call('account.add-app-password', {
        address: locked.address,
        label,
        verifier: toBase64(slot.verifier),
        wrappedMasterKey: toBase64(slot.wrappedMasterKey),
      });
      print(`app password for ${locked.address} (${label}): ${appPassword}`);
      print('It is shown once. Use it as the password in your mail client.');
    } finally {
      await admin.close();
    }
  },
};

export const accountListCommand: Command = {
  path: ['account', 'list'],
  usage: 'account list',
  summary: 'List mailboxes with their aliases, quota use and message counts.',
  async run({ dataDir, config, print }) {
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      const { accounts } = await admin.call('account.list', {});
      if (accounts.length === 0) print('no accounts');
      for (const account of accounts) {
        const used = `${(account.usedBytes / 1048576).toFixed(1)}/${(account.quotaBytes / 1048576).toFixed(0)} MiB`;
        const aliases = account.aliases.length > 0 ? ` (aliases: ${account.aliases.join(', ')})` : '';
        print(`${account.address}${aliases}  ${account.messages} messages  ${used}  created ${new Date(account.createdAt).toISOString().slice(0, 10)}`);
      }
    } finally {
      await admin.close();
    }
  },
};

export const accountDeleteCommand: Command = {
  path: ['account', 'delete'],
  usage: 'account delete <address> --yes',
  summary: 'Delete a mailbox: its key slots are destroyed first (crypto-shredding), then its mail and addresses.',
  options: { yes: { type: 'boolean' } },
  optionHelp: ['--yes            confirm: the mail cannot be recovered afterwards'],
  async run({ dataDir, config, positionals, values, print }) {
    const [address] = positionals;
    if (!address) throw new Error('account delete needs an address');
    if (!values.yes) throw new Error('account delete destroys the mailbox for good: add --yes to confirm');
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      await admin.call('account.delete', { address });
      print(`deleted ${address}`);
    } finally {
      await admin.close();
    }
  },
};
