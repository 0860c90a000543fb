/**
 * The documented order statuses. `delivering` means the keys are already readable on the buyer's
 * order page while the email is still on its way; `needs_attention` means the email kept failing
 * past its retry period, so a person must look (the keys stay readable).
 */
export const ORDER_STATUSES = [
  'awaiting_payment',
  'paid',
  'delivering',
  'delivered',
  'needs_attention',
  'expired',
  'cancelled',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses in which the buyer may read the keys the order holds. */
export const KEYS_READABLE: readonly OrderStatus[] = ['delivering', 'delivered', 'needs_attention'];

/** Statuses after which nothing more happens to an order on its own. */
export const FINAL: readonly OrderStatus[] = ['delivered', 'expired', 'cancelled', 'failed'];
