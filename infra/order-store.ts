import type { Db } from './db.js';
import { jsonSafe, Prisma } from './db.js';
import type { KeyVault } from './crypto.js';
import type { PaymentFacts } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import { ORDER_CHANNEL } from './order-notices.js';
import { oweRefund } from './refund-store.js';

type Tx = Prisma.TransactionClient | Db;

/** Appends one audit event; the (order, type, step) key makes a retried write a no-op. */
export async function appendEvent(tx: Tx, orderId: string, type: string, data: Record<string, unknown> = {}, opts: { step?: string; actor?: string } = {}) {
  await tx.orderEvent.createMany({
    data: [{ orderId, type, step: opts.step ?? '', actor: opts.actor ?? 'system', data: jsonSafe(data) as Prisma.InputJsonValue }],
    skipDuplicates: true,
  });
}

/**
 * Holds `quantity` available keys of a product for an order. One statement: a partial index walks only
 * unsold keys and SKIP LOCKED lets concurrent checkouts take different rows. Returns the held ids,
 * fewer than asked when stock is short (the caller rolls back).
 */
export async function reserveKeys(tx: Tx, productId: string, orderId: string, quantity: number, until: Date): Promise<number[]> {
  const rows = await tx.$queryRaw<{ id: number }[]>`
    WITH picked AS (
      SELECT id FROM card_key WHERE product_id = ${productId}::uuid AND status = 'available'
      ORDER BY id LIMIT ${quantity} FOR UPDATE SKIP LOCKED)
    UPDATE card_key c SET status = 'reserved', order_id = ${orderId}, reserved_until = ${until}
    FROM picked WHERE c.id = picked.id RETURNING c.id`;
  return rows.map((r) => r.id);
}

/** Available (unreserved, unsold) keys per product id. */
export async function availableStock(db: Db, productIds?: string[]): Promise<Map<string, number>> {
  const rows = await db.cardKey.groupBy({
    by: ['productId'],
    where: { status: 'available', ...(productIds ? { productId: { in: productIds } } : {}) },
    _count: { _all: true },
  });
  return new Map(rows.map((r) => [r.productId, r._count._all]));
}

/** Decrypted keys an order holds, in claim order. Only for the buyer's page and the delivery email. */
export async function readOrderSecrets(db: Db, vault: KeyVault, orderId: string, statuses: string[] = ['sold']): Promise<{ id: number; secret: string }[]> {
  const keys = await db.cardKey.findMany({
    where: { orderId, status: { in: statuses } },
    orderBy: { id: 'asc' },
    select: { id: true, productId: true, ciphertext: true },
  });
  return keys.map((k) => ({ id: k.id, secret: vault.decrypt(k.ciphertext, k.productId) }));
}

/** Sets an order's status and timestamps and appends the matching event, idempotently. */
export async function setOrderStatus(tx: Tx, orderId: string, status: OrderStatus, extra: { attention?: string | null; data?: Record<string, unknown>; step?: string } = {}) {
  const now = new Date();
  const stamps: Prisma.OrderUpdateInput = {};
  if (status === 'paid') stamps.paidAt = now;
  if (status === 'delivering') stamps.deliveredAt = now;
  if (status === 'delivered' || status === 'expired' || status === 'cancelled' || status === 'failed') stamps.closedAt = now;
  await tx.order.update({ where: { id: orderId }, data: { status, attention: extra.attention, ...stamps } });
  await appendEvent(tx, orderId, status, extra.data, { step: extra.step });
  // wakes buyers waiting on the order page (delivered at commit)
  await tx.$executeRaw`SELECT pg_notify(${ORDER_CHANNEL}, ${orderId})`;
}

/**
 * Hands newly imported stock to orders waiting on backorder, oldest payment first, by reserving keys
 * for them. Returns the orders that now hold every key they need, and split orders that got some
 * (their next part); the caller tells their workflows. One allocation per product at a time (advisory
 * lock), so two imports cannot reorder the queue.
 */
export async function allocateBackorders(db: Db, productId: string): Promise<string[]> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`backorder:${productId}`}, 0))`;
    const waiting = await tx.order.findMany({
      where: { productId, status: 'backorder' }, orderBy: [{ paidAt: 'asc' }, { id: 'asc' }],
      select: { id: true, quantity: true, approvedQuantity: true, splitDelivery: true },
    });
    const ready: string[] = [];
    for (const o of waiting) {
      const held = await tx.cardKey.count({ where: { orderId: o.id, status: { in: ['reserved', 'sold'] } } });
      const need = (o.approvedQuantity ?? o.quantity) - held;
      const got = need > 0 ? await reserveKeys(tx, productId, o.id, need, new Date(Date.now() + 86_400_000)) : [];
      if (got.length < need) {
        if (o.splitDelivery && got.length) ready.push(o.id); // a split order takes this part now
        break; // the oldest waits for the next import; nobody overtakes it
      }
      ready.push(o.id);
    }
    return ready;
  });
}

/**
 * A payment beyond the one that paid the order is owed back: flag the order for a person, and mark
 * the stored payment applied (`paymentId`, when the caller knows it) so nothing settles it again.
 * Idempotent.
 */
export async function flagExtraPayment(db: Db, orderId: string, paymentId: number | null, p: PaymentFacts): Promise<void> {
  await db.$transaction(async (tx) => {
    if (paymentId !== null) {
      await tx.payment.updateMany({ where: { id: paymentId, orderId, appliedAt: null }, data: { appliedAt: new Date() } });
      await oweRefund(tx, paymentId, 'a second payment for an order already paid');
    }
    await tx.order.update({ where: { id: orderId }, data: { attention: `extra payment ${p.txnId} (${p.amountCents} ${p.currency}) received; refund it` } });
    await appendEvent(tx, orderId, 'extra_payment', { ...p }, { step: p.txnId.slice(0, 64) });
  });
}
