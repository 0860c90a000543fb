import { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { orderWorkflowId } from '../../domain/ids.js';
import { paymentMismatch, type PaymentFacts } from '../../domain/order.js';
import { flagExtraPayment, orderInput } from '../../infra/order-store.js';
import { paymentConfirmed } from '../../workflows/messages.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errorResponses, registry } from '../openapi.js';
import type { PaymentProvider } from './provider.js';

const ProviderParams = z.object({ provider: z.string().regex(/^[a-z0-9_-]{1,32}$/) });

registry.registerPath({
  method: 'post', path: '/api/v1/payments/{provider}/notify', summary: 'Payment gateway callback (signed by the gateway)',
  request: { params: ProviderParams },
  responses: { 200: { description: 'applied, or a duplicate that changed nothing' }, ...errorResponses(400, 401, 404, 409) },
});

/**
 * Gateway callbacks. Order of checks: signature → known order → record the notification (unique per
 * provider and transaction) → signal the order's workflow. A verified payment is never refused: money
 * moved, so a wrong amount or currency, a late payment or a second one goes to review instead. The
 * signal is sent for duplicates too while the order awaits payment: the workflow ignores a second
 * one, and a callback retried after a crash between the insert and the signal still reaches it.
 */
export function paymentsRouter(deps: ApiDeps, providers: Map<string, PaymentProvider>): Router {
  const router = Router();
  const { db, temporal, log } = deps;

  router.post('/:provider/notify', async (req, res) => {
    const { provider: name } = ProviderParams.parse(req.params);
    const provider = providers.get(name);
    if (!provider) throw new ApiError(404, 'unknown_provider', `payment provider "${name}" is not enabled`);
    const n = provider.verifyNotification(req);
    const order = await db.order.findUnique({ where: { id: n.orderId }, include: { product: { select: { sku: true } } } });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${n.orderId}`);
    const facts: PaymentFacts = { provider: name, txnId: n.txnId, amountCents: n.amountCents, currency: n.currency.toUpperCase(), account: n.account };
    const inserted = await db.payment.createMany({
      data: [{ orderId: n.orderId, provider: name, txnId: n.txnId, amountCents: n.amountCents, currency: facts.currency, account: n.account }],
      skipDuplicates: true,
    });
    const duplicate = inserted.count === 0;
    // an order that already moved on has heard this payment; tell the gateway it is received
    if (duplicate && order.status !== 'awaiting_payment') return void res.json({ received: true, duplicate });
    const anomaly = paymentMismatch(order, facts);
    if (anomaly) log.warn({ orderId: n.orderId, provider: name, txnId: n.txnId, anomaly }, 'payment does not match the order; it goes to review');
    try {
      await temporal.workflow.getHandle(orderWorkflowId(n.orderId)).signal(paymentConfirmed, facts);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // money arrived for an order whose run has ended: never lose it, put it in front of a person
      if (order.status === 'expired' || order.status === 'cancelled') {
        await temporal.workflow.signalWithStart('orderWorkflow', {
          workflowId: orderWorkflowId(order.id), taskQueue: deps.config.KAMI_TASK_QUEUE,
          args: [{ ...orderInput(order, order.product.sku, deps.config.orderTimeouts), latePayment: true }],
          signal: paymentConfirmed, signalArgs: [facts],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
      } else {
        await flagExtraPayment(db, order.id, facts);
      }
      return void res.json({ received: true, duplicate, review: true });
    }
    res.json({ received: true, duplicate });
  });

  return router;
}
