// Runs `sealpost start` as a child process, as an operator would, and finds its ports in
// what it prints. Used by the durability trial and the benchmarks, which must be able to
// SIGKILL the server and measure it apart from the load generator.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SEALPOST_BIN = fileURLToPath(new URL('../../bin/sealpost.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  ports: Record<string, number>;
  output: string[];
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<string>;
}

export async function runSealpost(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [SEALPOST_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(input ?? '');
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  return { code, stdout, stderr };
}

export async function startServerProcess(dataDir: string, settings: string[], timeoutMs = 30_000): Promise<ServerProcess> {
  const args = ['start', '--data-dir', dataDir, ...settings.flatMap((setting) => ['--set', setting])];
  // SEALPOST_SERVER_NODE_ARGS passes profiler flags (e.g. --cpu-prof) to the server alone.
  const nodeArgs = process.env.SEALPOST_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, SEALPOST_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
  const ports: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output.join('')}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      for (const match of output.join('').matchAll(/^ {2}(\S+)\s+[\d.]+:(\d+) /gm)) ports[match[1]!] = Number(match[2]);
      if (/Create the first account/.test(output.join(''))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${how}) before it started:\n${output.join('')}`));
    });
  });
  return { child, ports, output, exited };
}
