import { z } from 'zod';
import { IDENTITY_KINDS } from './identity.js';

const Duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 15m, 24h or 7d');
const Cents = z.int().min(0);

/** The rule settings form, shared by the API (the judge) and the operator panel (the mirror). */
export const RuleSettingsSchema = z.strictObject({
  purchaseLimit: z.int().min(1).nullable(),
  purchaseLimitWindow: Duration,
  purchaseLimitBy: z.array(z.enum(IDENTITY_KINDS)).min(1),
  bulkQuantity: z.int().min(1),
  bulkAmountCents: Cents,
  velocityMaxOrders: z.int().min(1),
  velocityMaxUnpaid: z.int().min(1),
  velocityMaxOrdersPerIp: z.int().min(1).nullable(),
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
