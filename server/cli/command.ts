// The shape of a CLI command: its help text, its options, and what it runs. Global options
// (--data-dir, --config, --set) are shared by every command.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { dataDirPaths } from '../data-dir.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  dataDir: string;
  config: Config;
  positionals: string[];
  values: Record<string, unknown>;
  print(line?: string): void;
}

export interface Command {
  /** Words that select it, e.g. ['account', 'create']. */
  path: string[];
  usage: string;
  summary: string;
  /** Longer help: what it does and what to expect. */
  details?: string;
  options?: OptionSpec;
  optionHelp?: string[];
  /** The exit code; none means 0. */
  // biome-ignore lint/suspicious/noConfusingVoidType: most commands return nothing, and an async function without a return is Promise<void>.
  run(context: CommandContext): Promise<number | void>;
}

export const GLOBAL_OPTIONS: OptionSpec = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
};

export const GLOBAL_OPTION_HELP = [
  '--data-dir DIR   data directory (default: $SEALPOST_DATA_DIR or ./data)',
  '--config FILE    config file (default: DIR/config.json)',
  '--set KEY=VALUE  override one setting, e.g. --set smtp.mx.port=2526 (repeatable)',
  '-h, --help       this help',
];

export function helpOf(command: Command): string {
  const lines = [`Usage: sealpost ${command.usage}`, '', command.summary];
  if (command.details) lines.push('', command.details);
  lines.push('', 'Options:');
  for (const line of [...(command.optionHelp ?? []), ...GLOBAL_OPTION_HELP]) lines.push(`  ${line}`);
  return lines.join('\n');
}

export async function parseCommandLine(command: Command, argv: string[]): Promise<CommandContext | 'help'> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...GLOBAL_OPTIONS, ...command.options },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  const dataDir = resolve((values['data-dir'] as string | undefined) ?? process.env.SEALPOST_DATA_DIR ?? 'data');
  const config = await loadConfig({
    file: (values.config as string | undefined) ?? dataDirPaths(dataDir).config,
    env: process.env,
    overrides: (values.set as string[] | undefined) ?? [],
  });
  return { dataDir, config, positionals, values, print: (line = '') => process.stdout.write(`${line}\n`) };
}
