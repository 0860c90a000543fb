import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { OrderRuns } from '../infra/order-runs.js';

/** How long past its hold an unpaid order may stay open, or a stored payment unapplied, before Kami assumes its run was never told. */
const GRACE_MS = 60_000;
const BATCH = 200;

/**
 * Two gaps a process death can leave, closed by the worker every minute:
 * - checkout committed an order but died before starting its run: the order holds stock with
 *   nothing to expire it. Its run is started now (hold already over), which expires it and returns
 *   the stock, or takes a payment that arrives meanwhile;
 * - the webhook stored a payment but its Signal-With-Start never reached Temporal (or reached a run
 *   as it was closing): the run is woken again with the stored payment, which it settles (or finds
 *   already settled). Both are idempotent, so an order that is fine is left as it is.
 */
export async function reconcileOrphanedOrders(deps: { db: Db; runs: OrderRuns; log: Logger }, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - GRACE_MS);
  const [orphans, unapplied] = await Promise.all([
    deps.db.order.findMany({
      where: { status: 'awaiting_payment', expiresAt: { lt: before } }, include: { product: { select: { sku: true } } }, take: BATCH,
    }),
    deps.db.payment.findMany({
      where: { appliedAt: null, receivedAt: { lt: before } }, include: { order: { include: { product: { select: { sku: true } } } } }, take: BATCH,
    }),
  ]);
  for (const o of orphans) await deps.runs.start({ id: o.id, productId: o.productId, sku: o.product.sku, expiresAt: o.expiresAt });
  for (const p of unapplied) {
    const o = p.order;
    await deps.runs.paymentRecorded({ id: o.id, productId: o.productId, sku: o.product.sku, expiresAt: o.expiresAt }, {
      paymentId: p.id, provider: p.provider, txnId: p.txnId, amountCents: Number(p.amountCents), currency: p.currency, ...(p.account ? { account: p.account } : {}),
    });
  }
  if (orphans.length) deps.log.warn({ orders: orphans.length }, 'started runs for orders left without one');
  if (unapplied.length) deps.log.warn({ payments: unapplied.length }, 'woke runs for stored payments they had not applied');
  return orphans.length + unapplied.length;
}
