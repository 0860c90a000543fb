/**
 * The documented order statuses.
 * - `delivering`: keys already readable on the buyer's order page; the email is on its way.
 * - `in_review`: a rule fired; the order waits, durably, for a merchant's decision.
 * - `backorder`: paid, but no key was left to claim; it continues by itself when keys are imported.
 * - `needs_attention`: the email kept failing past its retry period; keys stay readable, a person looks.
 * - `rejected` / `refunded`: a merchant (or the review policy) declined the order; payment goes back.
 */
export const ORDER_STATUSES = [
  'awaiting_payment',
  'paid',
  'in_review',
  'backorder',
  'delivering',
  'delivered',
  'needs_attention',
  'expired',
  'cancelled',
  'rejected',
  'refunded',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses in which the buyer may read the keys the order holds. */
export const KEYS_READABLE: readonly OrderStatus[] = ['delivering', 'delivered', 'needs_attention'];

/** Statuses that wait for a person: the operator inbox. */
export const AWAITING_PERSON: readonly OrderStatus[] = ['in_review', 'backorder', 'needs_attention'];

/** Orders in these statuses do not count towards purchase limits or velocity. */
export const NOT_COUNTED: readonly OrderStatus[] = ['expired', 'cancelled', 'rejected', 'refunded', 'failed'];
