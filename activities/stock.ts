import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import { appendEvent, reserveKeys, setOrderStatus } from '../infra/order-store.js';
import { closeSplitRemainder, sellPart } from '../infra/split-delivery.js';

/** Statuses a claim moves on to `delivering`: a paid order, one a person approved, one whose stock arrived. */
const CLAIMABLE: readonly string[] = ['paid', 'in_review', 'backorder'];

export const createStockActivities = ({ db }: ActivityDeps) => ({
  /**
   * Idempotent on orderId: turns the keys held for this order into sold keys and makes them readable;
   * a retry after a crash finds them already sold and returns the same ids. When the hold fell short
   * (keys voided, a late payment after the hold was released) it tops up from free stock first, and
   * fails with OutOfStock only when there is none: the workflow then waits on backorder. A manual-
   * delivery product fails with ManualDelivery: the order waits for an operator to enter the goods;
   * one with a fulfilment endpoint fails with MerchantFulfilment: the workflow calls the merchant first.
   */
  async claimKeys(orderId: string): Promise<number[]> {
    const result = await db.$transaction(async (tx) => {
      const order = await tx.order.findUniqueOrThrow({
        where: { id: orderId }, select: { productId: true, quantity: true, approvedQuantity: true, status: true, product: { select: { deliveryMode: true, manualSla: true } } },
      });
      const want = order.approvedQuantity ?? order.quantity;
      const held = await tx.cardKey.count({ where: { orderId, status: { in: ['reserved', 'sold'] } } });
      if (held < want) await reserveKeys(tx, order.productId, orderId, want - held, new Date(Date.now() + 86_400_000));
      const reserved = await tx.cardKey.count({ where: { orderId, status: { in: ['reserved', 'sold'] } } });
      if (reserved < want) {
        const manual = order.product.deliveryMode === 'manual';
        // a manual product the merchant's system fulfils: the workflow calls it (activities/fulfilment.ts) before a person is asked
        const merchant = manual && await tx.productEndpoint.count({ where: { productId: order.productId, kind: { in: ['fulfilment', 'licence'] } } }) > 0;
        return { short: want - reserved, manual, merchant, sla: manual ? order.product.manualSla : null };
      }
      await tx.cardKey.updateMany({ where: { orderId, status: 'reserved' }, data: { status: 'sold', soldAt: new Date(), reservedUntil: null } });
      const sold = await tx.cardKey.findMany({ where: { orderId, status: 'sold' }, orderBy: { id: 'asc' }, select: { id: true } });
      // a retry after the email went out (and the order was recorded delivered) must not step it back
      if (CLAIMABLE.includes(order.status)) await setOrderStatus(tx, orderId, 'delivering', { data: { keyIds: sold.map((k) => k.id) } });
      return { keyIds: sold.map((k) => k.id) };
    });
    // keep a partial hold: it is this order's place in the backorder queue
    if ('short' in result) {
      // a product's delivery SLA rides in the failure's details: the workflow escalates a wait that outlives it
      const details = result.sla ? [{ sla: result.sla }] : [];
      if (result.merchant) throw ApplicationFailure.nonRetryable('the merchant\'s system fulfils this order', 'MerchantFulfilment', ...details);
      if (result.manual) throw ApplicationFailure.nonRetryable('an operator enters the goods by hand', 'ManualDelivery', ...details);
      throw ApplicationFailure.nonRetryable(`${result.short} key(s) short after payment`, 'OutOfStock');
    }
    return result.keyIds;
  },

  /**
   * A split order's claim, idempotent on orderId: tops its hold up from free stock as far as it goes,
   * sells every key it holds and records each new part as a `part_delivered` event (numbered), so the
   * partner hears of each part; `done` once every key is sold (the order is then delivering).
   */
  async claimPart(orderId: string): Promise<{ keyIds: number[]; want: number; done: boolean }> {
    return sellPart(db, orderId, CLAIMABLE);
  },

  /**
   * A person refunds the rest of a split order on backorder: it keeps what it received (keys reserved
   * meanwhile are sold too), its quantity becomes that, the rest is owed back, and it is delivering.
   * Idempotent on orderId. Returns the ids of every key it holds.
   */
  async closeSplitRemainder(orderId: string, reason: string): Promise<number[]> {
    return closeSplitRemainder(db, orderId, reason, CLAIMABLE);
  },

  /**
   * After-sales: voids a sold key a buyer reported invalid (the reason is counted per import batch,
   * so a bad batch shows). It stays linked to the order for the record. Idempotent on the key.
   * A shared ("loop") key's other unsold uses carry the same secret, so they go with it: the
   * replacement, and every later buyer, get another secret.
   */
  async voidSoldKey(orderId: string, keyId: number, reason: string): Promise<void> {
    await db.$transaction(async (tx) => {
      const n = await tx.cardKey.updateMany({ where: { id: keyId, orderId, status: 'sold' }, data: { status: 'void', voidReason: reason } });
      if (!n.count) return;
      const { sharedFingerprint, productId } = await tx.cardKey.findUniqueOrThrow({ where: { id: keyId }, select: { sharedFingerprint: true, productId: true } });
      // a use held by another unpaid order is voided too: its claim tops the hold up from other stock
      const uses = sharedFingerprint === null ? { count: 0 } : await tx.cardKey.updateMany({
        where: { productId, sharedFingerprint, status: { in: ['available', 'reserved'] } },
        data: { status: 'void', voidReason: `shared key reported invalid with key #${keyId}: ${reason}`.slice(0, 500), reservedUntil: null },
      });
      await appendEvent(tx, orderId, 'key_voided', { keyId, reason, ...(uses.count ? { sharedUsesVoided: uses.count } : {}) }, { step: String(keyId) });
    });
  },
});
