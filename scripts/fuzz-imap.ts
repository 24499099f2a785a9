// Long fuzz run of the IMAP wire layer: node --import tsx scripts/fuzz-imap.ts [iterations] [seed]
// Prints cases per second; exits non-zero with the failing case on the first violation.
import { fuzz } from '../test/imap/proto/fuzz-harness.ts';

const DEFAULT_ITERATIONS = 100_000;
const iterations = Number(process.argv[2] ?? DEFAULT_ITERATIONS);
const seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff);
if (!Number.isSafeInteger(iterations) || iterations <= 0 || !Number.isSafeInteger(seed)) {
  console.error('usage: fuzz-imap.ts [iterations] [seed]');
  process.exit(2);
}

const BATCH = 10_000;
const started = performance.now();
let done = 0;
try {
  while (done < iterations) {
    const n = Math.min(BATCH, iterations - done);
    // Each batch has its own seed derived from the run's, so a failure is replayable.
    const stats = fuzz(n, seed + done);
    done += stats.cases;
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\r${done} cases, ${Math.round(done / seconds)} cases/s`);
  }
} catch (error) {
  console.error(`\n${(error as Error).message}`);
  process.exit(1);
}
const seconds = (performance.now() - started) / 1000;
console.log(`\n${done} cases in ${seconds.toFixed(1)} s (${Math.round(done / seconds)} cases/s), seed ${seed}`);
