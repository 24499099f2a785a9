// Microseconds per operation of the crypto core on both backends.
//
//   node --import tsx scripts/bench-crypto.ts
//
// Each operation runs in ROUNDS rounds of at least ROUND_MS (after a warm-up); the fastest
// round's mean is reported, since on a shared machine noise only ever adds time.

import type { SealpostCrypto } from '../crypto/api.ts';
import { DEFAULT_PASSWORD_KDF_PARAMS } from '../crypto/keys.ts';
import { loadBrowserCrypto } from '../crypto/browser.ts';
import { loadNodeCrypto } from '../crypto/node.ts';

const ROUNDS = 5;
const ROUND_MS = 60;

async function microsecondsPerRun(run: () => unknown): Promise<number> {
  await run(); // warm-up
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    let runs = 0;
    const started = performance.now();
    while (runs === 0 || performance.now() - started < ROUND_MS) {
      await run();
      runs += 1;
    }
    best = Math.min(best, ((performance.now() - started) * 1000) / runs);
  }
  return best;
}

function encryptBody(crypto: SealpostCrypto, contentKey: Uint8Array, plaintext: Uint8Array): number {
  const encryptor = crypto.createBodyEncryptor(contentKey);
  return encryptor.push(plaintext).length + encryptor.final().length;
}

async function benchmark(crypto: SealpostCrypto): Promise<Map<string, number>> {
  const results = new Map<string, number>();
  const masterKey = crypto.newMasterKey();
  const keys = crypto.openIdentity(crypto.newIdentity(masterKey), masterKey);
  const contentKey = crypto.newContentKey();
  const kek = crypto.randomBytes(32);

  for (const [label, size] of [
    ['4 KiB', 4096],
    ['64 KiB', 65536],
    ['1 MiB', 1024 * 1024],
  ] as const) {
    const plaintext = crypto.randomBytes(size);
    results.set(`body encrypt ${label}`, await microsecondsPerRun(() => encryptBody(crypto, contentKey, plaintext)));
  }
  const sealed = crypto.sealContentKey(contentKey, keys.publicKey);
  results.set('seal content key', await microsecondsPerRun(() => crypto.sealContentKey(contentKey, keys.publicKey)));
  results.set('open sealed content key', await microsecondsPerRun(() => crypto.openContentKey(sealed, keys)));
  const wrappedContentKey = crypto.wrapContentKey(contentKey, masterKey);
  results.set('open wrapped content key', await microsecondsPerRun(() => crypto.openContentKey(wrappedContentKey, keys)));
  const slot = crypto.wrapKey(masterKey, kek, 'password');
  results.set('wrapKey', await microsecondsPerRun(() => crypto.wrapKey(masterKey, kek, 'password')));
  results.set('unwrapKey', await microsecondsPerRun(() => crypto.unwrapKey(slot, kek, 'password')));
  results.set('deriveFromAppSecret', await microsecondsPerRun(() => crypto.deriveFromAppSecret('abcd-efgh-ijkm-npqr-stuv-wxyz-2345', 'app-password')));
  results.set('randomBytes(32)', await microsecondsPerRun(() => crypto.randomBytes(32)));
  const salt = crypto.newPasswordSalt();
  results.set(
    `deriveFromPassword (Argon2id ${DEFAULT_PASSWORD_KDF_PARAMS.opsLimit} × ${DEFAULT_PASSWORD_KDF_PARAMS.memLimitBytes / 1024 / 1024} MiB)`,
    await microsecondsPerRun(() => crypto.deriveFromPassword('correct horse battery staple', salt, DEFAULT_PASSWORD_KDF_PARAMS)),
  );
  return results;
}

const backends = [await loadNodeCrypto(), await loadBrowserCrypto()];
const columns: { name: string; results: Map<string, number> }[] = [];
for (const crypto of backends) columns.push({ name: crypto.backendName, results: await benchmark(crypto) }); // one at a time
const operations = [...columns[0]!.results.keys()];
const width = Math.max(...operations.map((operation) => operation.length));
const format = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(2)).padStart(14);
console.log(`${'µs per operation'.padEnd(width)}${columns.map(({ name }) => name.padStart(26)).join('')}`);
for (const operation of operations) {
  console.log(`${operation.padEnd(width)}${columns.map(({ results }) => format(results.get(operation)!).padStart(26)).join('')}`);
}
