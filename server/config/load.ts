// Loads the configuration: defaults ← config file ← environment ← command-line `--set`.
// Every leaf of the schema has an environment variable named after its path
// (smtp.mx.port → SEALPOST_SMTP_MX_PORT). An invalid value is rejected with its exact key.
import { readFile } from 'node:fs/promises';
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid configuration: ${key}: ${reason}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Path of a JSON config file; a missing file means defaults. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** `key.path=value` pairs from the command line. */
  overrides?: string[];
}

interface Leaf {
  path: string[];
  schema: TSchema;
}

function leavesOf(schema: TSchema, path: string[] = []): Leaf[] {
  if (schema[Kind] === 'Object') {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([name, child]) => leavesOf(child, [...path, name]));
  }
  return [{ path, schema }];
}

const LEAVES = leavesOf(ConfigSchema);

export function envNameOf(path: string[]): string {
  return `SEALPOST_${path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

function parseScalar(leaf: Leaf, text: string, source: string): unknown {
  const key = leaf.path.join('.');
  switch (leaf.schema[Kind]) {
    case 'Integer': {
      if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(key, `${source}: expected an integer, got "${text}"`);
      return Number(text);
    }
    case 'Boolean': {
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      throw new ConfigError(key, `${source}: expected true or false, got "${text}"`);
    }
    default:
      return text;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(file, `cannot read: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, `not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(file, 'must hold a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export async function loadConfig(sources: ConfigSources = {}): Promise<Config> {
  const raw = sources.file ? await readConfigFile(sources.file) : {};
  for (const leaf of LEAVES) {
    const envName = envNameOf(leaf.path);
    const text = sources.env?.[envName];
    if (text !== undefined) setPath(raw, leaf.path, parseScalar(leaf, text, `environment ${envName}`));
  }
  for (const assignment of sources.overrides ?? []) {
    const separator = assignment.indexOf('=');
    const key = separator < 0 ? assignment : assignment.slice(0, separator);
    const leaf = LEAVES.find((candidate) => candidate.path.join('.') === key);
    if (!leaf) throw new ConfigError(key, 'no such setting');
    if (separator < 0) throw new ConfigError(key, '--set needs key=value');
    setPath(raw, leaf.path, parseScalar(leaf, assignment.slice(separator + 1), '--set'));
  }
  return validateConfig(raw);
}

export function validateConfig(raw: unknown): Config {
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(raw));
  const firstError = Value.Errors(ConfigSchema, withDefaults).First();
  if (firstError) {
    const key = firstError.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const reason = firstError.message === 'Unexpected property' ? 'no such setting' : `${firstError.message} (got ${JSON.stringify(firstError.value)})`;
    throw new ConfigError(key, reason);
  }
  const config = withDefaults as Config;
  if (config.smtp.mx.maxBufferedBytes < config.limits.messageMaxBytes) {
    throw new ConfigError(
      'smtp.mx.maxBufferedBytes',
      `${config.smtp.mx.maxBufferedBytes} is below limits.messageMaxBytes (${config.limits.messageMaxBytes}): a message of the largest allowed size could never be accepted`,
    );
  }
  return config;
}

export function describeSettings(): { key: string; env: string; default: unknown }[] {
  return LEAVES.map((leaf) => ({ key: leaf.path.join('.'), env: envNameOf(leaf.path), default: leaf.schema.default }));
}
