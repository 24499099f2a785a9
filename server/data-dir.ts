// The data directory: created by `sealpost init` (or on the first `start`) with the server's
// key files, a self-signed TLS certificate and a config file holding the defaults. Key files
// and the admin socket are readable by the operator only (0600 in a 0700 directory).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { generate } from 'selfsigned';
import type { Config } from './config/schema.ts';

export interface DataDirPaths {
  root: string;
  config: string;
  store: string;
  serverKey: string;
  spoolKey: string;
  adminSocket: string;
  tlsCert: string;
  tlsKey: string;
}

export function dataDirPaths(root: string, config?: Pick<Config, 'tls'>): DataDirPaths {
  const resolve = (path: string) => (isAbsolute(path) ? path : join(root, path));
  return {
    root,
    config: join(root, 'config.json'),
    store: join(root, 'store'),
    serverKey: join(root, 'keys', 'server.key'),
    spoolKey: join(root, 'keys', 'spool.key'),
    adminSocket: join(root, 'admin.sock'),
    tlsCert: resolve(config?.tls.certFile ?? 'tls/cert.pem'),
    tlsKey: resolve(config?.tls.keyFile ?? 'tls/key.pem'),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** 32 random bytes: the key size of every symmetric primitive Sealpost uses. */
const SERVER_KEY_BYTES = 32;

async function writeSecretFile(path: string, contents: string | Uint8Array): Promise<void> {
  await writeFile(path, contents, { mode: 0o600, flag: 'wx' });
}

export interface InitResult {
  paths: DataDirPaths;
  created: string[];
}

/** Creates whatever is missing; never overwrites an existing key, certificate or config. */
export async function initDataDir(root: string, config: Config): Promise<InitResult> {
  const hostname = config.hostname;
  const paths = dataDirPaths(root);
  const created: string[] = [];
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  await mkdir(join(root, 'keys'), { recursive: true, mode: 0o700 });
  await mkdir(join(root, 'tls'), { recursive: true, mode: 0o700 });
  for (const keyFile of [paths.serverKey, paths.spoolKey]) {
    if (!(await exists(keyFile))) {
      await writeSecretFile(keyFile, `${randomBytes(SERVER_KEY_BYTES).toString('base64')}\n`);
      created.push(keyFile);
    }
  }
  if (!(await exists(paths.tlsCert)) || !(await exists(paths.tlsKey))) {
    const names = [...new Set([hostname, 'localhost'])];
    const pems = await generate([{ name: 'commonName', value: hostname }], {
      // RSA: selfsigned 5 fails to encode EC keys; 2048 bits is the floor clients accept.
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 825 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [...names.map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: '127.0.0.1' }],
        },
      ],
    });
    await writeSecretFile(paths.tlsKey, pems.private);
    await writeFile(paths.tlsCert, pems.cert, { mode: 0o644 });
    created.push(paths.tlsCert, paths.tlsKey);
  }
  if (!(await exists(paths.config))) {
    await writeFile(paths.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    created.push(paths.config);
  }
  return { paths, created };
}

export async function readServerKey(path: string): Promise<Uint8Array> {
  const key = new Uint8Array(Buffer.from((await readFile(path, 'utf8')).trim(), 'base64'));
  if (key.byteLength !== SERVER_KEY_BYTES) throw new Error(`${path} does not hold a ${SERVER_KEY_BYTES}-byte key`);
  return key;
}
