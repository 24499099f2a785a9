// How long the signup puzzle takes the browser's solver (shared/proof-of-work.ts) against
// Web Crypto's asynchronous digest, which the solver used before: hashes a second each, and
// the expected time for the default difficulty. Prints numbers; asserts nothing.
import { webcrypto } from 'node:crypto';
import { solveProofOfWork } from '../shared/proof-of-work.ts';

const SECONDS = Number(process.argv[2] ?? 3);
const encoder = new TextEncoder();

async function rate(name: string, hashes: (deadline: number) => Promise<number>): Promise<number> {
  const started = performance.now();
  const count = await hashes(started + SECONDS * 1000);
  const perSecond = count / ((performance.now() - started) / 1000);
  console.log(`${name.padEnd(34)} ${Math.round(perSecond).toLocaleString('en')} hashes/s`);
  return perSecond;
}

const solver = await rate('shared solver (@noble/hashes)', async (deadline) => {
  let hashes = 0;
  for (let round = 0; performance.now() < deadline; round++) hashes += Number(await solveProofOfWork(`bench-${round}`, 14)) + 1;
  return hashes;
});
const subtle = await rate('Web Crypto digest, 512 in flight', async (deadline) => {
  let hashes = 0;
  while (performance.now() < deadline) {
    await Promise.all(Array.from({ length: 512 }, (_, index) => webcrypto.subtle.digest('SHA-256', encoder.encode(`bench:${hashes + index}`))));
    hashes += 512;
  }
  return hashes;
});
for (const bits of [18, 20, 22]) {
  console.log(`${bits} bits: ${((2 ** bits / solver) as number).toFixed(1)} s with the solver, ${(2 ** bits / subtle).toFixed(1)} s with Web Crypto (average)`);
}
