import { shareOfAmount } from '../domain/pricing.js';
import type { Db, Prisma } from './db.js';
import { ORDER_CHANNEL } from './order-notices.js';
import { appendEvent, reserveKeys, setOrderStatus } from './order-store.js';
import { oweRefund } from './refund-store.js';

type Tx = Prisma.TransactionClient;

/** How long keys reserved for a paid order on backorder stay held (they are sold at its next claim). */
const BACKORDER_HOLD_MS = 86_400_000;

/**
 * Sells what the order holds now and records it as the next part. The order row is locked first, so
 * a retried claim racing its first attempt cannot number a part twice; a part that completes the
 * order in one go is no part at all (no event).
 */
async function sellHeld(tx: Tx, orderId: string) {
  const [order] = await tx.$queryRaw<{ product_id: string; quantity: number; approved_quantity: number | null; status: string; amount_cents: bigint; payment_id: number | null }[]>`
    SELECT product_id, quantity, approved_quantity, status, amount_cents, payment_id FROM "order" WHERE id = ${orderId} FOR UPDATE`;
  if (!order) throw new Error(`order ${orderId} does not exist`);
  const want = order.approved_quantity ?? order.quantity;
  const fresh = await tx.$queryRaw<{ id: number }[]>`
    UPDATE card_key SET status = 'sold', sold_at = now(), reserved_until = NULL WHERE order_id = ${orderId} AND status = 'reserved' RETURNING id`;
  const sold = (await tx.cardKey.findMany({ where: { orderId, status: 'sold' }, orderBy: { id: 'asc' }, select: { id: true } })).map((k) => k.id);
  const parts = await tx.orderEvent.count({ where: { orderId, type: 'part_delivered' } });
  if (fresh.length && (sold.length < want || parts > 0)) {
    await appendEvent(tx, orderId, 'part_delivered', {
      part: parts + 1, keyIds: fresh.map((k) => k.id).sort((a, b) => a - b), quantity: fresh.length, delivered: sold.length, of: want,
    }, { step: String(parts + 1) });
    // the partner's long poll (and the buyer's page) wake for every part
    await tx.$executeRaw`SELECT pg_notify(${ORDER_CHANNEL}, ${orderId})`;
  }
  return { order, want, sold };
}

/** See activities/stock.ts claimPart. */
export async function sellPart(db: Db, orderId: string, claimable: readonly string[]): Promise<{ keyIds: number[]; want: number; done: boolean }> {
  return db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ product_id: string; want: number }[]>`
      SELECT product_id, COALESCE(approved_quantity, quantity) AS want FROM "order" WHERE id = ${orderId} FOR UPDATE`;
    if (!row) throw new Error(`order ${orderId} does not exist`);
    const held = await tx.cardKey.count({ where: { orderId, status: { in: ['reserved', 'sold'] } } });
    if (held < row.want) await reserveKeys(tx, row.product_id, orderId, row.want - held, new Date(Date.now() + BACKORDER_HOLD_MS));
    const { order, want, sold } = await sellHeld(tx, orderId);
    const done = sold.length >= want;
    if (done && claimable.includes(order.status)) await setOrderStatus(tx, orderId, 'delivering', { data: { keyIds: sold } });
    return { keyIds: sold, want, done };
  });
}

/** See activities/stock.ts closeSplitRemainder. */
export async function closeSplitRemainder(db: Db, orderId: string, reason: string, claimable: readonly string[]): Promise<number[]> {
  return db.$transaction(async (tx) => {
    const { order, want, sold } = await sellHeld(tx, orderId);
    if (sold.length < want) {
      // owed now: the keys still due of what was approved (a partial approval owed its own part before)
      // shares of what was charged (a discount on the whole order does not divide by the unit price)
      const refund = shareOfAmount(order.amount_cents, order.quantity, order.quantity - sold.length);
      const rest = refund - shareOfAmount(order.amount_cents, order.quantity, order.quantity - want);
      await tx.order.update({ where: { id: orderId }, data: { approvedQuantity: sold.length, refundCents: refund } });
      if (order.payment_id !== null) await oweRefund(tx, order.payment_id, reason, { step: 'split_rest', minor: Number(rest) });
      await appendEvent(tx, orderId, 'split_closed', { delivered: sold.length, of: want, refundCents: refund, reason });
    }
    if (claimable.includes(order.status)) await setOrderStatus(tx, orderId, 'delivering', { data: { keyIds: sold } });
    return sold;
  });
}
