// The mail core's billing and lifecycle rules, read from the configuration.
import { listSetting } from './list-setting.ts';
import type { ServicePolicy } from '../core/billing/settings.ts';
import type { Config } from './schema.ts';

export function servicePolicyOf(config: Config): ServicePolicy {
  const { billing, lifecycle } = config;
  return {
    billing: billing.enabled
      ? {
          currency: billing.currency,
          monthlyPriceCents: billing.monthlyPriceCents,
          extraStorage: {
            stepBytes: billing.extraStorageStepBytes,
            monthlyPriceCents: billing.extraStorageStepMonthlyCents,
            maxSteps: billing.extraStorageMaxSteps,
          },
          trialDays: billing.trialDays,
          maxBalanceCents: billing.maxBalanceCents,
          paymentCodeValidDays: billing.paymentCodeValidDays,
          pendingCodesPerAccount: billing.pendingCodesPerAccount,
          paymentInstructions: billing.paymentInstructions,
          receiptIssuer: billing.receiptIssuer,
        }
      : null,
    lifecycle: {
      graceDays: config.retention.graceDaysAfterCredit,
      reminderDays: listSetting(lifecycle.reminderDays)
        .map(Number)
        .sort((a, b) => b - a),
      addressHoldDays: lifecycle.addressHoldDays,
      inactivityDays: lifecycle.inactivityDays,
      deletionNoticeThreshold: lifecycle.deletionNoticeThreshold,
      noticeSender: `Sealpost <noreply@${config.hostname}>`,
    },
  };
}
