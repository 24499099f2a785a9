// The plan: extra storage is bought in steps, raising the quota at once and the monthly
// price from today; it cannot shrink below what the mailbox holds. And the configured
// answer to mail for a disabled mailbox is checked when the service starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountKeys } from '../../crypto/account-keys.ts';
import { loadNodeCrypto } from '../../crypto/node.ts';
import { loadConfig } from '../../server/config/load.ts';
import { servicePolicyOf } from '../../server/config/service-policy.ts';
import { isMailError } from '../../server/core/errors.ts';
import { MailCore } from '../../server/core/mail-core.ts';
import { parseConfiguredReply } from '../../server/smtp/configured-reply.ts';
import { openMemoryStore } from '../../server/store/open.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { TEST_KDF } from '../helpers/service.ts';

const MiB = 1024 * 1024;

test('extra storage raises the quota and the price; shrinking below the mail held is refused', async () => {
  const config = await loadConfig({
    overrides: [
      'billing.enabled=true',
      'billing.trialDays=30',
      'limits.mailboxQuotaBytes=1048576',
      'billing.extraStorageStepBytes=1048576',
      'billing.extraStorageMaxSteps=2',
    ],
  });
  const crypto = await loadNodeCrypto();
  const core = new MailCore({ store: openMemoryStore(), crypto, limits: config.limits, clock: new ManualClock(), policy: servicePolicyOf(config) });
  await core.domains.add('sealpost.test');
  const { material } = await createAccountKeys(crypto, 'a long enough password', TEST_KDF);
  const { id } = await core.accounts.create('roomy@sealpost.test', material);
  assert.deepEqual([(await core.billing!.status(id)).quotaBytes, (await core.billing!.status(id)).monthlyPriceCents], [1 * MiB, 100]);
  const bigger = await core.billing!.setExtraStorage(id, 2);
  assert.deepEqual([bigger.quotaBytes, bigger.monthlyPriceCents, bigger.extraStorage.steps], [3 * MiB, 150, 2]);
  await assert.rejects(core.billing!.setExtraStorage(id, 3), (error) => isMailError(error, 'INVALID_ARGUMENT'));
  await assert.rejects(core.billing!.setExtraStorage(id, -1), (error) => isMailError(error, 'INVALID_ARGUMENT'));
  await core.ingest.deliver({
    source: 'system',
    recipients: [{ accountId: id, address: 'roomy@sealpost.test' }],
    content: (async function* () {
      yield new Uint8Array(Buffer.from(`Subject: big\r\n\r\n${'x'.repeat(1.5 * MiB)}\r\n`));
    })(),
  });
  await assert.rejects(core.billing!.setExtraStorage(id, 0), (error) => isMailError(error, 'QUOTA_EXCEEDED'));
  assert.equal((await core.billing!.setExtraStorage(id, 1)).quotaBytes, 2 * MiB);
});

test('the disabled-mailbox reply is checked: a code, a matching enhanced code and a text', async () => {
  assert.deepEqual(parseConfiguredReply('550 5.2.1 mailbox disabled', 'key'), { code: 550, enhancedStatus: '5.2.1', text: 'mailbox disabled' });
  assert.deepEqual(parseConfiguredReply('450 4.2.1 try later', 'key'), { code: 450, enhancedStatus: '4.2.1', text: 'try later' });
  assert.throws(() => parseConfiguredReply('550 4.2.1 mailbox disabled', 'lifecycle.disabledMailboxReply'), /disagree/);
  await assert.rejects(loadConfig({ overrides: ['lifecycle.disabledMailboxReply=disabled'] }), /lifecycle\.disabledMailboxReply/);
  await assert.rejects(loadConfig({ overrides: ['lifecycle.reminderDays=14;3'] }), /lifecycle\.reminderDays/);
  await assert.rejects(loadConfig({ overrides: ['retention.runAt=25:00'] }), /retention\.runAt/);
});
