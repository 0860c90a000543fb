import type { ActivityDeps } from './deps.js';
import type { OrderStatus } from '../domain/order-status.js';
import { closeUnpaid } from '../infra/checkout-store.js';
import { setOrderStatus } from '../infra/order-store.js';

export const createOrderActivities = ({ db }: ActivityDeps) => ({
  /**
   * Ends the payment hold: closes the unpaid order as expired or cancelled and returns its held keys
   * to stock, in one compare-and-set that a recorded payment wins (then its id comes back to be
   * settled instead). Idempotent: a retry finds the order closed and answers the same.
   */
  async closeUnpaid(orderId: string, outcome: 'expired' | 'cancelled', by: string): Promise<{ status: OrderStatus; pendingPaymentId: number | null }> {
    const r = await closeUnpaid(db, orderId, outcome, by);
    if (!r.closed && r.pendingPaymentId === null && r.status === 'awaiting_payment') throw new Error(`order ${orderId} could not be closed yet`);
    return { status: r.status, pendingPaymentId: r.pendingPaymentId };
  },

  /** Idempotent on (orderId, status): a retry rewrites the same status and adds no event. */
  async recordStatus(orderId: string, status: OrderStatus, attention?: string): Promise<void> {
    await db.$transaction((tx) => setOrderStatus(tx, orderId, status, { attention: attention ?? null, data: attention ? { reason: attention } : {} }));
  },
});
