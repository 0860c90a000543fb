import { z } from 'zod';
import { IDENTITY_KINDS } from './identity.js';
import { DURATION, durationToMs } from './duration.js';
import { INT4_MAX } from './ids.js';
import { MAX_MINOR_UNITS } from './money.js';

/** Up to a year: windows and timeouts longer than that are a typo, and would overflow the database's arithmetic. */
const MAX_DURATION_MS = 366 * 86_400_000;
const Duration = z.string().regex(DURATION, 'a duration such as 30s, 15m, 24h or 7d')
  .refine((v) => !DURATION.test(v) || durationToMs(v) <= MAX_DURATION_MS, 'at most 366 days');
const Cents = z.int().min(0).max(MAX_MINOR_UNITS);

/** The rule settings form, shared by the API (the judge) and the operator panel (the mirror). */
export const RuleSettingsSchema = z.strictObject({
  purchaseLimit: z.int().min(1).max(INT4_MAX).nullable(),
  purchaseLimitWindow: Duration,
  purchaseLimitBy: z.array(z.enum(IDENTITY_KINDS)).min(1),
  bulkQuantity: z.int().min(1).max(INT4_MAX),
  bulkAmountCents: Cents,
  velocityMaxOrders: z.int().min(1).max(INT4_MAX),
  velocityMaxUnpaid: z.int().min(1).max(INT4_MAX),
  velocityMaxOrdersPerIp: z.int().min(1).max(INT4_MAX).nullable(),
  velocityWindow: Duration,
  newBuyerAmountCents: Cents,
  duplicateWindow: Duration,
  blacklistAction: z.enum(['reject', 'review']),
  reviewTimeout: Duration,
  reviewTimeoutPolicy: z.enum(['auto_reject', 'auto_approve_below', 'remind']),
  autoApproveBelowCents: Cents,
});

/** A product overrides any subset of the global settings. */
export const ProductRuleOverridesSchema = RuleSettingsSchema.partial();
