// DKIM keys (RFC 6376): one RSA key per domain, made by `sealpost domain add`, by `sealpost
// init` for the demo domain, and at start for any local domain still without one. They are
// server secrets like the TLS key, so they live beside it as files the operator alone can
// read: DATA/keys/dkim/<domain>/<selector>.pem (0600 in 0700 directories). A new key gets a
// new selector, so a rotation publishes the new record before the old one goes; the newest
// selector signs.
import { createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validateDomainName } from '../core/addresses.ts';

export interface DkimKey {
  domain: string;
  selector: string;
  privateKeyPem: string;
  /** SubjectPublicKeyInfo (DER) in base64: the `p=` tag of the DNS record. */
  publicKeyBase64: string;
}

/** RFC 8301 requires at least 1024 bits and recommends 2048; longer keys no longer fit a
 * DNS TXT record that every provider's control panel accepts. */
const RSA_MODULUS_BITS = 2048;
/** Selectors are `sp` and the creation date: sortable, so the newest key is the last one. */
const SELECTOR = /^sp\d{8}[a-z]?$/;

const generateRsaKeyPair = promisify(generateKeyPair);

export function dkimDirectory(dataDir: string): string {
  return join(dataDir, 'keys', 'dkim');
}

function domainDirectory(dataDir: string, domain: string): string {
  // The domain becomes a directory name: only a valid DNS name can get here, so no path
  // separator or `..` can.
  return join(dkimDirectory(dataDir), validateDomainName(domain));
}

function selectorFor(date: Date): string {
  return `sp${date.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** The domain's signing key (its newest selector), or null when it has none. */
export async function readDkimKey(dataDir: string, domain: string): Promise<DkimKey | null> {
  const directory = domainDirectory(dataDir, domain);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const selectors = names
    .filter((name) => name.endsWith('.pem'))
    .map((name) => name.slice(0, -4))
    .filter((selector) => SELECTOR.test(selector))
    .sort();
  const selector = selectors[selectors.length - 1];
  if (!selector) return null;
  const privateKeyPem = await readFile(join(directory, `${selector}.pem`), 'utf8');
  return { domain: validateDomainName(domain), selector, privateKeyPem, publicKeyBase64: publicKeyOf(privateKeyPem) };
}

/** Returns the domain's key, creating one when it has none. */
export async function ensureDkimKey(dataDir: string, domain: string, now: Date): Promise<{ key: DkimKey; created: boolean }> {
  const existing = await readDkimKey(dataDir, domain);
  if (existing) return { key: existing, created: false };
  const directory = domainDirectory(dataDir, domain);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: RSA_MODULUS_BITS });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const selector = selectorFor(now);
  try {
    await writeFile(join(directory, `${selector}.pem`), privateKeyPem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (the CLI beside a starting server) made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: (await readDkimKey(dataDir, domain))!, created: false };
  }
  return { key: { domain: validateDomainName(domain), selector, privateKeyPem, publicKeyBase64: publicKeyOf(privateKeyPem) }, created: true };
}

/** The TXT record value published at `<selector>._domainkey.<domain>`. */
export function dkimRecordValue(key: Pick<DkimKey, 'publicKeyBase64'>): string {
  return `v=DKIM1; k=rsa; p=${key.publicKeyBase64}`;
}

/** How long a key read from disk is used before the directory is looked at again: a new
 * key takes effect within a minute, and signing costs no file system call per message. */
const KEY_CACHE_MS = 60_000;

/** Keys of the running server, re-read now and then so that a key made by the CLI (while the
 * server runs) is used without a restart. */
export class DkimKeyring {
  readonly #dataDir: string;
  readonly #cache = new Map<string, { key: DkimKey | null; readAt: number }>();

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  async forDomain(domain: string): Promise<DkimKey | null> {
    const cached = this.#cache.get(domain);
    if (cached && performance.now() - cached.readAt < KEY_CACHE_MS) return cached.key;
    const key = await readDkimKey(this.#dataDir, domain);
    this.#cache.set(domain, { key, readAt: performance.now() });
    return key;
  }
}
