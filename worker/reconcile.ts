import type { Client } from '@temporalio/client';
import type { Config } from '../infra/config.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { orderInput } from '../infra/order-store.js';
import { startOrderWorkflow } from '../infra/start-order.js';

/** How long past its hold an unpaid order may stay open before Kami assumes its workflow never started. */
const GRACE_MS = 60_000;

/**
 * Checkout commits the order, then starts its workflow; a process that dies in between leaves an
 * order holding stock with nothing to expire it. This finds such orders (still awaiting payment well
 * after their hold ended) and starts their workflow, which then expires them and releases the stock
 * (or takes a payment that arrives meanwhile). Starting is idempotent, so a run that exists is left as is.
 */
export async function reconcileOrphanedOrders(deps: { db: Db; temporal: Client; config: Config; log: Logger }, now = new Date()): Promise<number> {
  const orphans = await deps.db.order.findMany({
    where: { status: 'awaiting_payment', expiresAt: { lt: new Date(now.getTime() - GRACE_MS) } },
    include: { product: { select: { sku: true } } },
    take: 200,
  });
  for (const o of orphans) {
    const input = orderInput(o, o.product.sku, { ...deps.config.orderTimeouts, paymentHold: '1s' });
    await startOrderWorkflow(deps.temporal, deps.config.KAMI_TASK_QUEUE, input);
  }
  if (orphans.length) deps.log.warn({ orders: orphans.length }, 'started workflows for orders left without one');
  return orphans.length;
}
