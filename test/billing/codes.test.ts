// Typed codes (payment codes, vouchers): the alphabet has no look-alikes, look-alikes typed
// anyway are read as meant, and the check character catches every single mistyped
// character and every swap of two neighbours. Pricing charges each month exactly its price.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CODE_ALPHABET, newCode, parseCode } from '../../server/core/billing/codes.ts';
import { chargeForDay, coverage } from '../../server/core/billing/pricing.ts';
import { credit, daysLeft, initialBillingRecord, settle } from '../../server/core/billing/settlement.ts';
import type { BillingSettings } from '../../server/core/billing/settings.ts';
import { addDays } from '../../server/core/calendar.ts';

const random = (length: number) => new Uint8Array(randomBytes(length));

describe('typed codes', () => {
  test('the alphabet has 32 characters and none of I, L, O, U', () => {
    assert.equal(new Set(CODE_ALPHABET).size, 32);
    for (const lookAlike of 'ILOU') assert.ok(!CODE_ALPHABET.includes(lookAlike));
  });

  test('a new code has the asked shape and parses to itself', () => {
    for (let index = 0; index < 200; index++) {
      const code = newCode(random, 12, 4);
      assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      const parsed = parseCode(code, 12);
      assert.deepEqual(parsed, { ok: true, canonical: code.replaceAll('-', '') });
      assert.deepEqual(parseCode(` ${code.toLowerCase().replaceAll('-', ' ')} `, 12), parsed, 'case and spacing do not matter');
    }
  });

  test('look-alikes are read as the characters they resemble', () => {
    const code = newCode(random, 20, 5).replaceAll('-', '');
    const typed = code.replaceAll('1', 'l').replaceAll('0', 'O');
    assert.deepEqual(parseCode(typed, 20), { ok: true, canonical: code });
  });

  test('every single substitution and every neighbour swap is caught', () => {
    for (let round = 0; round < 40; round++) {
      const code = newCode(random, 12, 12);
      for (let position = 0; position < code.length; position++) {
        for (const replacement of CODE_ALPHABET) {
          if (replacement === code[position]) continue;
          const typo = code.slice(0, position) + replacement + code.slice(position + 1);
          assert.deepEqual(parseCode(typo, 12), { ok: false, reason: 'mistyped' }, `${code} → ${typo}`);
        }
        if (position + 1 < code.length && code[position] !== code[position + 1]) {
          const swapped = code.slice(0, position) + code[position + 1] + code[position] + code.slice(position + 2);
          assert.deepEqual(parseCode(swapped, 12), { ok: false, reason: 'mistyped' }, `${code} → ${swapped}`);
        }
      }
    }
  });

  test('wrong length and foreign characters are malformed, not mistyped', () => {
    const code = newCode(random, 12, 4);
    assert.deepEqual(parseCode(code.slice(0, -1), 12), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseCode(`${code}X`, 12), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseCode(code.replace(/^./, 'U'), 12), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseCode('', 12), { ok: false, reason: 'malformed' });
    assert.deepEqual(parseCode('ÄÖÜ-€€€€-💥💥💥💥', 12), { ok: false, reason: 'malformed' });
  });
});

const SETTINGS: BillingSettings = {
  currency: 'EUR',
  monthlyPriceCents: 100,
  extraStorage: { stepBytes: 1 << 30, monthlyPriceCents: 25, maxSteps: 3 },
  trialDays: 14,
  maxBalanceCents: 10_000,
  paymentCodeValidDays: 60,
  pendingCodesPerAccount: 3,
  paymentInstructions: 'pay',
  receiptIssuer: 'Sealpost',
};

describe('pricing and settlement', () => {
  test('the days of every month add up to exactly its price', () => {
    for (const [month, days] of [
      ['2026-02', 28],
      ['2028-02', 29],
      ['2026-04', 30],
      ['2026-12', 31],
    ] as const) {
      for (const price of [100, 125, 7, 999]) {
        let sum = 0;
        for (let day = 1; day <= days; day++) sum += chargeForDay(price, `${month}-${String(day).padStart(2, '0')}`);
        assert.equal(sum, price, `${month} at ${price}`);
      }
    }
  });

  test('1.00 EUR lasts a month; three months of credit last three months', () => {
    assert.equal(coverage(100, 100, '2026-04-01').days, 30);
    assert.equal(coverage(300, 100, '2026-04-01').lastDay, '2026-06-30');
    assert.equal(coverage(0, 100, '2026-04-01').lastDay, null);
  });

  test('a trial turns active when charged, and expired on the first day not covered', () => {
    const start = initialBillingRecord(SETTINGS, '2026-01-01');
    assert.equal(start.state, 'trial');
    assert.equal(settle(start, '2026-01-14', SETTINGS).record.state, 'trial');
    const expired = settle(start, '2026-01-15', SETTINGS);
    assert.equal(expired.record.state, 'expired');
    assert.equal(expired.record.expiredSinceDay, '2026-01-15');
    const topped = credit(start, 200, '2026-01-10', SETTINGS).record;
    assert.equal(topped.state, 'trial');
    assert.equal(daysLeft(topped, '2026-01-10', SETTINGS), 5 + coverage(200, 100, '2026-01-15').days);
    const active = settle(topped, '2026-01-15', SETTINGS);
    assert.equal(active.record.state, 'active');
    assert.equal(active.changedFrom, 'trial');
    assert.equal(active.charges.length, 1);
    const later = settle(active.record, '2026-03-31', SETTINGS).record;
    assert.equal(later.state, 'expired');
  });

  test('a top-up of an expired account starts it again today, without charging the days it was off', () => {
    const expired = settle(initialBillingRecord({ ...SETTINGS, trialDays: 0 }, '2026-01-01'), '2026-01-20', SETTINGS).record;
    assert.equal(expired.state, 'expired');
    const result = credit(expired, 100, '2026-03-10', SETTINGS);
    assert.equal(result.record.state, 'active');
    assert.equal(result.record.paidThroughDay, '2026-03-10');
    assert.equal(result.record.balanceCents, 100 - chargeForDay(100, '2026-03-10'));
    assert.equal(result.record.expiredSinceDay, null);
    assert.equal(settle(result.record, addDays('2026-03-10', 0), SETTINGS).charges.length, 0, 'today is paid once');
  });
});
