import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import type { PaymentFacts } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import { appendEvent, setOrderStatus } from '../infra/order-store.js';

export const createOrderActivities = ({ db }: ActivityDeps) => ({
  /** Idempotent on orderId: marks the order paid and records which notification paid it. */
  async markPaid(orderId: string, payment: PaymentFacts): Promise<void> {
    await db.$transaction(async (tx) => {
      if (payment.account) await tx.order.update({ where: { id: orderId }, data: { paymentAccount: payment.account } });
      await setOrderStatus(tx, orderId, 'paid', { data: { provider: payment.provider, txnId: payment.txnId, amountCents: payment.amountCents } });
    });
  },

  /** Idempotent on (orderId, status): a retry rewrites the same status and adds no event. */
  async recordStatus(orderId: string, status: OrderStatus, attention?: string): Promise<void> {
    await db.$transaction((tx) => setOrderStatus(tx, orderId, status, { attention: attention ?? null, data: attention ? { reason: attention } : {} }));
  },

  /** Idempotent on orderId: returns the order's held keys to stock and closes it as expired or cancelled. */
  async releaseHold(orderId: string, outcome: 'expired' | 'cancelled', actor: string): Promise<number> {
    return db.$transaction(async (tx) => {
      const released = await tx.cardKey.updateMany({
        where: { orderId, status: 'reserved' },
        data: { status: 'available', orderId: null, reservedUntil: null },
      });
      await setOrderStatus(tx, orderId, outcome, { data: { releasedKeys: released.count, by: actor } });
      return released.count;
    });
  },

  /**
   * Order rules. Minimal always-deliver policy; a rejection is a non-retryable failure the workflow
   * can act on. Idempotent: it only reads and records its decision once.
   */
  async checkRules(orderId: string): Promise<{ action: 'deliver' }> {
    const order = await db.order.findUnique({ where: { id: orderId }, select: { id: true } });
    if (!order) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, 'OrderNotFound');
    await appendEvent(db, orderId, 'rules_checked', { action: 'deliver', policy: 'always-deliver' });
    return { action: 'deliver' };
  },
});
