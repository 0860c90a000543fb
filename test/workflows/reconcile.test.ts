import { afterAll, beforeAll, expect, it } from 'vitest';
import { orderWorkflowId } from '../../domain/ids.js';
import { newOrderId } from '../../infra/ids.js';
import { reserveKeys } from '../../infra/order-store.js';
import { reconcileOrphanedOrders } from '../../worker/reconcile.js';
import { startKami, type Kami } from '../helpers/kami.js';

let kami: Kami;
beforeAll(async () => { kami = await startKami(); });
afterAll(() => kami?.stop());

it('an order whose workflow never started (checkout died after its commit) is expired and its stock released', async () => {
  const product = await kami.product(2);
  const orderId = newOrderId();
  const expired = new Date(Date.now() - 5 * 60_000);
  // exactly what checkout commits before it starts the workflow
  await kami.db.$transaction(async (tx) => {
    await tx.order.create({
      data: {
        id: orderId, productId: product.id, quantity: 2, unitPriceCents: 500, amountCents: 1000, currency: 'USD',
        email: 'orphan@example.com', emailNormalized: 'orphan@example.com', status: 'awaiting_payment',
        paymentProvider: 'sandbox', expiresAt: expired, createdAt: new Date(expired.getTime() - 15 * 60_000),
      },
    });
    await reserveKeys(tx, product.id, orderId, 2, expired);
  });
  expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(0);

  const started = await reconcileOrphanedOrders({ db: kami.db, runs: kami.runs, log: kami.log });
  expect(started).toBeGreaterThanOrEqual(1);
  await kami.temporal.workflow.getHandle(orderWorkflowId(orderId)).result();
  expect((await kami.db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('expired');
  expect(await kami.db.cardKey.count({ where: { productId: product.id, status: 'available' } })).toBe(2);

  // a second sweep starts nothing new for it: the finished run is never started again
  await reconcileOrphanedOrders({ db: kami.db, runs: kami.runs, log: kami.log });
  const runs = await kami.temporal.workflow.list({ query: `WorkflowId = '${orderWorkflowId(orderId)}'` });
  let count = 0;
  for await (const _ of runs) count++;
  expect(count).toBe(1);
});
