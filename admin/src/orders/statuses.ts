import type { OrderStatus as DomainOrderStatus } from '../../../domain/order-status.js';

/** Every status the admin API may report, in the order the panel lists them (those needing a person first). */
export const ORDER_STATUSES = [
  'in_review', 'backorder', 'needs_attention', 'awaiting_payment', 'paid', 'delivering', 'delivered',
  'rejected', 'cancelled', 'expired', 'refunded', 'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

type Assert<T extends true> = T;
/** Fails to compile when the domain gains a status the panel cannot show (and translate). */
export type EveryDomainStatusListed = Assert<Exclude<DomainOrderStatus, OrderStatus> extends never ? true : false>;

export type StatusTone = 'warning' | 'error' | 'success' | 'info' | 'default';

export const STATUS_TONE: Record<OrderStatus, StatusTone> = {
  in_review: 'warning', backorder: 'warning', needs_attention: 'error', awaiting_payment: 'default', paid: 'info',
  delivering: 'info', delivered: 'success', rejected: 'error', cancelled: 'default', expired: 'default',
  refunded: 'default', failed: 'error',
};
