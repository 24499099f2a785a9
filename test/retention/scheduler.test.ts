// The built-in scheduler, on a test clock: a daily job runs once per UTC day at its time, a
// missed day is made up once (not once per missed day), a new install waits for the first
// time instead of running at start, and a wake-up runs when it falls due.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scheduler } from '../../server/jobs/scheduler.ts';
import { createLogger } from '../../server/log.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { openMemoryStore } from '../../server/store/open.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

const MINUTE = 60_000;

/** The job runs live in the core's store; this one is in memory. */
const coreAt = async (clock: ManualClock) =>
  new MailCore({
    store: openMemoryStore(),
    crypto: await loadNodeCrypto(),
    limits: { messageMaxBytes: 1, mailboxQuotaBytes: 1, addressesPerMailbox: 1 },
    clock,
  });
const DAY = 86_400_000;

test('daily jobs run once a day at their time, and a missed day is made up once', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 10, 10, 0, 0));
  const core = await coreAt(clock);
  const runs: string[] = [];
  let wakeAt: number | null = Date.UTC(2026, 0, 12, 7, 0, 0);
  const scheduler = new Scheduler({
    clock,
    runs: core.jobRuns,
    jobs: [
      { name: 'retention', at: '03:30', run: async () => void runs.push(`retention ${new Date(clock.now()).toISOString()}`) },
      { name: 'backup', at: '04:00', run: async () => void runs.push(`backup ${new Date(clock.now()).toISOString()}`) },
    ],
    wakeUps: [
      {
        name: 'expiry',
        dueAt: async () => wakeAt,
        run: async () => {
          wakeAt = null;
          runs.push('expiry');
        },
      },
    ],
    logger: createLogger('silent'),
  });
  assert.deepEqual(await scheduler.tick(), [], 'a new install does not run at once');
  clock.advance(17 * 60 * MINUTE + 29 * MINUTE); // 2026-01-11 03:29
  assert.deepEqual(await scheduler.tick(), []);
  clock.advance(MINUTE);
  assert.deepEqual(await scheduler.tick(), ['retention']);
  assert.deepEqual(await scheduler.tick(), [], 'once a day');
  clock.advance(30 * MINUTE);
  assert.deepEqual(await scheduler.tick(), ['backup']);
  clock.advance(27 * 60 * MINUTE); // 2026-01-12 07:00
  assert.deepEqual(await scheduler.tick(), ['retention', 'backup', 'expiry']);
  clock.advance(3 * DAY);
  assert.deepEqual(await scheduler.tick(), ['retention', 'backup'], 'three missed days are one run');
  assert.equal(runs.length, 7);
  await scheduler.stop();
});

test('a job that fails counts as run for the day and does not stop the others', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 10, 1, 0, 0));
  const core = await coreAt(clock);
  let backups = 0;
  const scheduler = new Scheduler({
    clock,
    runs: core.jobRuns,
    jobs: [
      { name: 'retention', at: '03:30', run: async () => Promise.reject(new Error('disk full')) },
      {
        name: 'backup',
        at: '03:30',
        run: async () => {
          backups += 1;
        },
      },
    ],
    wakeUps: [],
    logger: createLogger('silent'),
  });
  await scheduler.tick();
  clock.advance(3 * 60 * MINUTE);
  assert.deepEqual(await scheduler.tick(), ['retention', 'backup']);
  assert.deepEqual(await scheduler.tick(), []);
  assert.equal(backups, 1);
});
