import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, envNameOf, loadConfig } from '../../server/config/load.ts';

test('defaults follow docs/design.md, Defaults', async () => {
  const config = await loadConfig();
  assert.equal(config.limits.messageMaxBytes, 20 * 1024 * 1024);
  assert.equal(config.limits.mailboxQuotaBytes, 1024 ** 3);
  assert.equal(config.limits.addressesPerMailbox, 6);
  assert.equal(config.limits.recipientsPerMessage, 100);
  assert.equal(config.retention.deliveryLogDays, 7);
  assert.equal(config.retention.junkDays, 30);
  assert.equal(config.retention.backupDays, 7);
  assert.equal(config.retention.outboundRetryDays, 5);
});

test('environment overrides the file, --set overrides the environment', async () => {
  assert.equal(envNameOf(['smtp', 'mx', 'maxCommandLength']), 'SEALPOST_SMTP_MX_MAX_COMMAND_LENGTH');
  const config = await loadConfig({ env: { SEALPOST_SMTP_MX_PORT: '2600', SEALPOST_WEB_ENABLED: 'false' }, overrides: ['smtp.mx.port=2700'] });
  assert.equal(config.smtp.mx.port, 2700);
  assert.equal(config.web.enabled, false);
});

test('invalid values name the key and the reason', async () => {
  const cases: [Parameters<typeof loadConfig>[0], RegExp][] = [
    [{ overrides: ['limits.recipientsPerMessage=0'] }, /^invalid configuration: limits\.recipientsPerMessage: Expected integer to be greater or equal to 1/],
    [{ overrides: ['retention.deliveryLogDays=8'] }, /retention\.deliveryLogDays: Expected integer to be less or equal to 7/],
    [{ env: { SEALPOST_LOG_LEVEL: 'loud' } }, /log\.level: /],
    [{ overrides: ['nope=1'] }, /nope: no such setting/],
  ];
  for (const [sources, expected] of cases) {
    await assert.rejects(loadConfig(sources), (error: unknown) => error instanceof ConfigError && expected.test(error.message));
  }
});
