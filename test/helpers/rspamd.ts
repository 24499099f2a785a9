// A real rspamd from Debian (installed by scripts/test.sh), started for one test file with its
// own configuration directory on loopback ports: the package's configuration plus
// scripts/rspamd/local.d (what docs/operations.md tells operators to install) and the test
// patterns (GTUBE variants that force each action), which production must not enable.
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RECOMMENDED_LOCAL_D = fileURLToPath(new URL('../../scripts/rspamd/local.d/', import.meta.url));
/** Compiled regular expressions, shared by every test start: compiling takes seconds. */
const HYPERSCAN_CACHE = join(tmpdir(), 'sealpost-rspamd-hyperscan');
/** A cold start compiles hyperscan databases: seconds on 2 busy cores. */
const START_TIMEOUT_MS = 60_000;

/** Bodies that make rspamd choose an action (enable_test_patterns). */
export const GTUBE = {
  reject: 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X',
  addHeader: 'YJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X',
} as const;

export interface RunningRspamd {
  url: string;
  /** Everything rspamd may write: its run, database and log directories. */
  directory: string;
  /** The `--var NAME=value` settings it runs with, for rspamadm to read the same configuration. */
  configVariables: Readonly<Record<string, string>>;
  /** rspamd's console output. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RspamdOptions {
  /** false: the package's defaults alone, to show what the shipped files change (default true). */
  shippedConfig?: boolean;
  /** host:port of the only DNS server rspamd asks, instead of the host's resolver. */
  nameserver?: string;
}

export async function startRspamd({ shippedConfig = true, nameserver }: RspamdOptions = {}): Promise<RunningRspamd> {
  const directory = await mkdtemp(join(tmpdir(), 'sealpost-rspamd-'));
  const localD = join(directory, 'local.d');
  if (shippedConfig) await cp(RECOMMENDED_LOCAL_D, localD, { recursive: true });
  else await mkdir(localD);
  await mkdir(HYPERSCAN_CACHE, { recursive: true });
  for (const sub of ['run', 'db']) await mkdir(join(directory, sub));
  const [normalPort, controllerPort] = [await freePort(), await freePort()];
  await writeFile(join(localD, 'worker-normal.inc'), `bind_socket = "127.0.0.1:${normalPort}";\ncount = 1;\n`);
  await writeFile(join(localD, 'worker-controller.inc'), `bind_socket = "127.0.0.1:${controllerPort}";\ncount = 1;\n`);
  await writeFile(join(localD, 'worker-proxy.inc'), 'enabled = false;\n');
  await appendFile(join(localD, 'logging.inc'), 'type = "console";\n');
  await writeFile(join(localD, 'options.inc'), `enable_test_patterns = true;\nhs_cache_dir = "${HYPERSCAN_CACHE}";\n`);
  if (nameserver) await appendFile(join(localD, 'options.inc'), `dns { nameserver = ["${nameserver}"]; }\n`);

  const paths = { LOCAL_CONFDIR: directory, RUNDIR: join(directory, 'run'), DBDIR: join(directory, 'db'), LOGDIR: directory };
  const variables = Object.entries(paths).flatMap(([name, value]) => ['--var', `${name}=${value}`]);
  // --no-fork: stays the child we stop; --insecure: lets workers run as root, as npm test
  // does when it may install packages.
  const child: ChildProcess = spawn('rspamd', ['--no-fork', '--insecure', '-c', '/etc/rspamd/rspamd.conf', ...variables], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = `http://127.0.0.1:${normalPort}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rspamd exited at start:\n${output}`);
    if (
      await fetch(`${url}/ping`).then(
        (response) => response.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`rspamd did not answer within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    directory,
    configVariables: paths,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export async function removeRspamd(rspamd: RunningRspamd): Promise<void> {
  await rspamd.stop();
  await rm(rspamd.directory, { recursive: true, force: true });
}
