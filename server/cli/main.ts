// `sealpost`: the operator's command line. Each command has --help.
import { ConfigError, describeSettings } from '../config/load.ts';
import { helpOf, parseCommandLine, type Command } from './command.ts';
import { accountAppPasswordCommand, accountCreateCommand, accountDeleteCommand, accountListCommand } from './commands/account.ts';
import { backupCreateCommand, backupListCommand, backupRestoreCommand, backupVerifyCommand } from './commands/backup.ts';
import { creditBookCommand } from './commands/credit.ts';
import { dnsCommand } from './commands/dns.ts';
import { domainAddCommand, domainListCommand } from './commands/domain.ts';
import { logSearchCommand } from './commands/log.ts';
import { retentionRunCommand } from './commands/retention.ts';
import { statsCommand } from './commands/stats.ts';
import { voucherCreateCommand } from './commands/voucher.ts';
import { initCommand } from './commands/init.ts';
import { queueDeleteCommand, queueListCommand, queueRetryCommand } from './commands/queue.ts';
import { startCommand } from './commands/start.ts';

const configCommand: Command = {
  path: ['config'],
  usage: 'config',
  summary: 'Show every setting with its value, its default and the environment variable that overrides it.',
  async run({ config, print }) {
    for (const setting of describeSettings()) {
      const value = setting.key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
      print(`${setting.key} = ${JSON.stringify(value)}   (default ${JSON.stringify(setting.default)}, env ${setting.env})`);
    }
  },
};

const COMMANDS: Command[] = [
  initCommand,
  startCommand,
  configCommand,
  accountCreateCommand,
  accountAppPasswordCommand,
  accountListCommand,
  accountDeleteCommand,
  domainAddCommand,
  domainListCommand,
  dnsCommand,
  queueListCommand,
  queueRetryCommand,
  queueDeleteCommand,
  creditBookCommand,
  voucherCreateCommand,
  logSearchCommand,
  statsCommand,
  retentionRunCommand,
  backupCreateCommand,
  backupListCommand,
  backupVerifyCommand,
  backupRestoreCommand,
];

function overview(group?: string): string {
  const listed = COMMANDS.filter((command) => group === undefined || command.path[0] === group);
  const lines = [`Usage: sealpost ${group ? `${group} <command>` : '<command>'} [options]`, '', 'Commands:'];
  for (const command of listed) lines.push(`  ${command.path.join(' ').padEnd(22)} ${command.summary.split('. ')[0]}`);
  lines.push('', 'Run `sealpost <command> --help` for the options of one command.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const command = COMMANDS.filter((candidate) => candidate.path.every((word, index) => argv[index] === word)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!command && argv[0] && COMMANDS.some((candidate) => candidate.path.length > 1 && candidate.path[0] === argv[0])) {
    const wantsHelp = argv.length === 1 || argv[1] === '--help' || argv[1] === '-h';
    process[wantsHelp ? 'stdout' : 'stderr'].write(`${overview(argv[0])}\n`);
    if (!wantsHelp) process.stderr.write(`\nunknown command: ${argv.join(' ')}\n`);
    return wantsHelp ? 0 : 2;
  }
  if (!command) {
    const wantsHelp = argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h';
    process[wantsHelp ? 'stdout' : 'stderr'].write(`${overview()}\n`);
    if (!wantsHelp) process.stderr.write(`\nunknown command: ${argv.join(' ')}\n`);
    return wantsHelp ? 0 : 2;
  }
  const parsed = await parseCommandLine(command, argv.slice(command.path.length));
  if (parsed === 'help') {
    process.stdout.write(`${helpOf(command)}\n`);
    return 0;
  }
  return (await command.run(parsed)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof ConfigError ? error.message : `sealpost: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = error instanceof ConfigError ? 78 : 1;
  },
);
