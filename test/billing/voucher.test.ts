// Anonymous vouchers: the CLI prints codes once and the store keeps only Argon2id hashes;
// a voucher is redeemed once (also when two accounts try at the same instant), the second
// try is refused, and the used voucher records nothing about who redeemed it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newCode } from '../../server/core/billing/codes.ts';
import { isMailError } from '../../server/core/errors.ts';
import { keys } from '../../server/core/keys.ts';
import { runSealpost } from '../../scripts/lib/server-process.ts';
import { searchBytes } from '../helpers/byte-search.ts';
import { startTestService, type TestService } from '../helpers/service.ts';
import { dumpStore, storeDifferences } from '../helpers/store-dump.ts';

describe('vouchers', () => {
  let service: TestService;
  let codes: string[];

  before(async () => {
    service = await startTestService(['billing.enabled=true']);
    const created = await runSealpost(['voucher', 'create', '--value', '1200', '--count', '3', '--data-dir', service.dataDir]);
    assert.equal(created.code, 0, created.stderr);
    codes = created.stdout.trim().split('\n');
    assert.match(created.stderr, /created 3 vouchers of 12\.00 EUR each/);
  });
  after(() => service.stop());

  test('codes are printed once and only their hashes are stored', async () => {
    assert.equal(codes.length, 3);
    for (const code of codes) {
      assert.match(code, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
      assert.deepEqual(await searchBytes(service.dataDir, code), []);
      assert.deepEqual(await searchBytes(service.dataDir, code.replaceAll('-', '').slice(6)), [], 'not even the secret part');
    }
    const record = JSON.parse(Buffer.from((await service.store.kv.get(keys.voucher(codes[0]!.replaceAll('-', '').slice(0, 6))))!).toString());
    assert.match(record.hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    assert.equal(record.used, false);
  });

  test('a voucher credits once; the second try is refused and changes nothing', async () => {
    const { accountId } = await service.createAccount('buyer@sealpost.test');
    const redeemed = await service.core.billing!.redeemVoucher(accountId, codes[0]!.toLowerCase());
    assert.equal(redeemed.creditedCents, 1200);
    const [receipt] = await service.core.billing!.receipts(accountId);
    assert.equal(receipt!.method, 'voucher');
    assert.equal(receipt!.number, redeemed.receipt);

    const voucherValue = (await service.store.kv.get(keys.voucher(codes[0]!.replaceAll('-', '').slice(0, 6))))!;
    const voucher = JSON.parse(Buffer.from(voucherValue).toString());
    assert.equal(voucher.used, true);
    assert.ok(!Buffer.from(voucherValue).toString().includes(accountId), 'the voucher does not say who used it');
    assert.deepEqual(Object.keys(voucher).sort(), ['createdDay', 'hash', 'used', 'v', 'valueCents'], 'nor when');

    const { accountId: second } = await service.createAccount('second@sealpost.test');
    await service.core.statistics.flush();
    const before = await dumpStore(service.store);
    await assert.rejects(service.core.billing!.redeemVoucher(second, codes[0]!), (error) => isMailError(error, 'VOUCHER_USED'));
    await assert.rejects(service.core.billing!.redeemVoucher(accountId, codes[0]!), (error) => isMailError(error, 'VOUCHER_USED'));
    await service.core.statistics.flush();
    assert.deepEqual(storeDifferences(before, await dumpStore(service.store)), []);
  });

  test('two accounts redeeming one voucher at the same instant: exactly one is credited', async () => {
    const accounts = await Promise.all(['racer-one@sealpost.test', 'racer-two@sealpost.test'].map((address) => service.createAccount(address)));
    const results = await Promise.allSettled(accounts.map(({ accountId }) => service.core.billing!.redeemVoucher(accountId, codes[1]!)));
    assert.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected']);
    const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    assert.ok(isMailError(refused.reason, 'VOUCHER_USED'));
    const balances = await Promise.all(accounts.map(({ accountId }) => service.core.billing!.status(accountId)));
    assert.equal(balances.filter((status) => status.state === 'active').length, 1);
  });

  test('a typo, a made-up code and garbage are refused clearly', async () => {
    const { accountId } = await service.createAccount('typist@sealpost.test');
    const code = codes[2]!;
    const typo = code.slice(0, 3) + (code[3] === 'A' ? 'B' : 'A') + code.slice(4);
    await assert.rejects(service.core.billing!.redeemVoucher(accountId, typo), (error) => isMailError(error, 'VOUCHER_MISTYPED'));
    const madeUp = newCode((length) => new Uint8Array(length).map(() => Math.floor(Math.random() * 256)), 20, 5);
    await assert.rejects(service.core.billing!.redeemVoucher(accountId, madeUp), (error) => isMailError(error, 'VOUCHER_INVALID'));
    for (const garbage of ['', 'x'.repeat(10_000), '💥'.repeat(20)]) {
      await assert.rejects(service.core.billing!.redeemVoucher(accountId, garbage), (error) => isMailError(error, 'VOUCHER_INVALID'));
    }
    assert.equal((await service.core.billing!.status(accountId)).balanceCents, 0);
  });

  test('voucher create refuses bad values and counts', async () => {
    for (const args of [
      ['--value', '0'],
      ['--value', '-5'],
      ['--value', '10', '--count', '0'],
      ['--value', '99999999'],
    ]) {
      const result = await runSealpost(['voucher', 'create', ...args, '--data-dir', service.dataDir]);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.ok(result.stderr.length > 0 && result.stdout === '', args.join(' '));
    }
  });
});
