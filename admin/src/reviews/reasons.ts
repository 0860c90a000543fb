import type { ReasonCode } from '../types';

/** Every reason the rules may give for a review, for the inbox filter (labels come from kami.reason.*). */
export const REASON_CODES = [
  'bulk_quantity', 'bulk_amount', 'velocity_orders', 'velocity_unpaid', 'blacklisted', 'new_buyer_amount',
  'duplicate_order', 'payment_amount_low', 'payment_amount_high', 'payment_currency', 'payment_late',
  'purchase_limit', 'out_of_stock', 'invalid_key_report', 'second_payment',
] as const satisfies readonly ReasonCode[];

type Assert<T extends true> = T;
/** Fails to compile when the rules gain a reason the inbox cannot filter by. */
export type EveryReasonListed = Assert<Exclude<ReasonCode, (typeof REASON_CODES)[number]> extends never ? true : false>;
