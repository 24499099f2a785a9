// `sealpost backup create | list | verify | restore`: consistent backups of the running
// service (everything in them is what the store holds: records and ciphertext), kept for
// retention.backupDays, and restores of one account or of everything.
import { resolve } from 'node:path';
import { loadNodeCrypto } from '../../../crypto/node.ts';
import { listBackups, verifyBackup } from '../../backup/catalog.ts';
import { openAdmin } from '../admin-access.ts';
import type { Command, CommandContext } from '../command.ts';

const backupDirectory = ({ dataDir, config }: CommandContext) => resolve(dataDir, config.backup.directory);
const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

export const backupCreateCommand: Command = {
  path: ['backup', 'create'],
  usage: 'backup create',
  summary: 'Take a consistent backup now, while the service runs (it also takes one daily).',
  async run({ dataDir, config, print }) {
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      const backup = await admin.call('backup.create', {});
      print(`backup ${backup.id}: ${backup.entries} records, ${backup.blobs} blobs (${backup.newBlobs} new), ${megabytes(backup.bytes)}`);
    } finally {
      await admin.close();
    }
  },
};

export const backupListCommand: Command = {
  path: ['backup', 'list'],
  usage: 'backup list',
  summary: 'List the backups kept, oldest first.',
  async run(context) {
    const backups = await listBackups(backupDirectory(context));
    if (backups.length === 0) context.print(`no backups in ${backupDirectory(context)}`);
    for (const backup of backups) {
      context.print(
        `${backup.id}  ${new Date(backup.createdAt).toISOString()}  ${backup.kv.entries} records  ${backup.blobs.count} blobs  ${megabytes(backup.kv.bytes + backup.blobs.bytes)}`,
      );
    }
  },
};

export const backupVerifyCommand: Command = {
  path: ['backup', 'verify'],
  usage: 'backup verify [ID]',
  summary: 'Check a backup (default: every backup) against its checksums, blob by blob.',
  async run(context) {
    const [id] = context.positionals;
    const ids = id ? [id] : (await listBackups(backupDirectory(context))).map((backup) => backup.id);
    if (ids.length === 0) context.print('no backups to verify');
    let failed = 0;
    for (const backupId of ids) {
      const result = await verifyBackup(backupDirectory(context), backupId);
      context.print(`${backupId}: ${result.ok ? 'intact' : 'DAMAGED'} (${result.blobsChecked} blobs checked)`);
      for (const problem of result.problems) context.print(`  ${problem}`);
      if (!result.ok) failed += 1;
    }
    return failed > 0 ? 1 : 0;
  },
};

export const backupRestoreCommand: Command = {
  path: ['backup', 'restore'],
  usage: 'backup restore <ID> [--account ADDRESS [--replace]]',
  summary: 'Restore one account from a backup (others are not touched), or a whole backup into an empty store.',
  details:
    'With --account, the account that had this address in the backup comes back as it was then; the service\n' +
    'may run. If the address exists now, --replace deletes the current account first. Without --account the\n' +
    'whole backup goes into an empty data directory, with the service stopped.',
  options: { account: { type: 'string' }, replace: { type: 'boolean' } },
  optionHelp: ['--account ADDR   restore only the account with this address', '--replace        delete the current account with that address first'],
  async run({ dataDir, config, positionals, values, print }) {
    const [id] = positionals;
    if (!id) throw new Error('backup restore needs a backup id (see sealpost backup list)');
    const address = values.account as string | undefined;
    const admin = await openAdmin(dataDir, config, await loadNodeCrypto());
    try {
      if (!address && admin.via === 'socket') throw new Error('a whole backup is restored into an empty data directory with the service stopped');
      const result = await admin.call('backup.restore', { id, address, replace: values.replace === true });
      if (result.kind === 'account') print(`restored ${result.address}: ${result.messages} messages, ${result.blobs} blobs`);
      else print(`restored ${result.accounts} accounts, ${result.entries} records, ${result.blobs} blobs`);
    } finally {
      await admin.close();
    }
  },
};
