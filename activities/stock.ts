import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import { setOrderStatus } from '../infra/order-store.js';

export const createStockActivities = ({ db }: ActivityDeps) => ({
  /**
   * Idempotent on orderId: turns exactly the keys reserved at checkout into sold keys of this order
   * and makes them readable. A retry after a crash finds them already sold and returns the same ids.
   */
  async claimKeys(orderId: string): Promise<number[]> {
    return db.$transaction(async (tx) => {
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { quantity: true, status: true } });
      const now = new Date();
      await tx.cardKey.updateMany({ where: { orderId, status: 'reserved' }, data: { status: 'sold', soldAt: now, reservedUntil: null } });
      const sold = await tx.cardKey.findMany({ where: { orderId, status: 'sold' }, orderBy: { id: 'asc' }, select: { id: true } });
      if (sold.length !== order.quantity) {
        throw ApplicationFailure.nonRetryable(`order holds ${sold.length} of ${order.quantity} keys`, 'OutOfStock');
      }
      if (order.status !== 'delivering') await setOrderStatus(tx, orderId, 'delivering', { data: { keyIds: sold.map((k) => k.id) } });
      return sold.map((k) => k.id);
    });
  },
});
