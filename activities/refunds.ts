import type { ActivityDeps } from './deps.js';
import { formatMinor } from '../domain/money.js';
import { appendEvent } from '../infra/order-store.js';

export const createRefundActivities = ({ db, gateways, log }: ActivityDeps) => ({
  /**
   * Pays back what the order owes (its refund rows still `requested`): through the gateway's refund
   * API where it has one, with the refund's id as the gateway's idempotency key so a retry never
   * refunds twice; otherwise it becomes a task for a person (`manual`, shown in the inbox until an
   * operator closes it with a reference). A gateway error is retried by the activity; the workflow
   * hands what still fails to a person.
   */
  async issueRefunds(orderId: string): Promise<{ refunded: number; manual: number }> {
    const owed = await db.refund.findMany({ where: { orderId, status: 'requested' }, include: { payment: { include: { attempt: true } } } });
    let refunded = 0;
    const byHand: string[] = [];
    for (const r of owed) {
      const g = await gateways.get(r.provider);
      if (!g?.gateway.refund || !r.payment.attempt) {
        await db.refund.update({ where: { id: r.id }, data: { status: 'manual', updatedAt: new Date() } });
        byHand.push(`${formatMinor(Number(r.amountMinor), r.currency)} ${r.currency} of ${r.provider} payment ${r.payment.txnId}`);
        continue;
      }
      const answer = await g.gateway.refund({
        refundId: r.id, gatewayOrderNo: r.payment.attempt.gatewayOrderNo, gatewayRef: r.payment.attempt.gatewayRef ?? undefined,
        txnId: r.payment.txnId, amountMinor: Number(r.amountMinor), currency: r.currency, reason: r.reason,
      });
      await db.refund.update({
        where: { id: r.id },
        data: { status: answer.state, gatewayRefundId: answer.gatewayRefundId ?? null, lastError: null, updatedAt: new Date() },
      });
      await appendEvent(db, orderId, 'refund_issued', { refundId: r.id, provider: r.provider, amountMinor: Number(r.amountMinor), currency: r.currency, state: answer.state }, { step: String(r.id) });
      refunded++;
    }
    if (byHand.length) {
      await db.order.update({ where: { id: orderId }, data: { attention: `refund by hand (the gateway has no refund API): ${byHand.join('; ')}` } });
      log.info({ orderId, refunds: byHand.length }, 'refunds left to a person: the gateway has no refund API');
    }
    return { refunded, manual: byHand.length };
  },

  /** What the gateway kept refusing becomes a task for a person. Idempotent. */
  async refundsByHand(orderId: string, error: string): Promise<void> {
    const n = await db.refund.updateMany({ where: { orderId, status: 'requested' }, data: { status: 'manual', lastError: error.slice(0, 1000), updatedAt: new Date() } });
    if (n.count) await db.order.update({ where: { id: orderId }, data: { attention: `${n.count} refund(s) the gateway refused: pay back by hand` } });
  },
});
