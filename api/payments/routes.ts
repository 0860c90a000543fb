import { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { orderWorkflowId } from '../../domain/ids.js';
import { paymentMismatch } from '../../domain/order.js';
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
 * Gateway callbacks. Order of checks: signature → known order → amount and currency → record the
 * notification (unique per provider and transaction) → signal the order's workflow. The signal is
 * sent for duplicates too: the workflow ignores a second payment, and a callback retried after a
 * crash between the insert and the signal still reaches it.
 */
export function paymentsRouter(deps: ApiDeps, providers: Map<string, PaymentProvider>): Router {
  const router = Router();
  const { db, temporal, log } = deps;

  router.post('/:provider/notify', async (req, res) => {
    const { provider: name } = ProviderParams.parse(req.params);
    const provider = providers.get(name);
    if (!provider) throw new ApiError(404, 'unknown_provider', `payment provider "${name}" is not enabled`);
    const n = provider.verifyNotification(req);
    const order = await db.order.findUnique({ where: { id: n.orderId } });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${n.orderId}`);
    const mismatch = paymentMismatch(order, n);
    if (mismatch) {
      log.warn({ orderId: n.orderId, provider: name, txnId: n.txnId, mismatch }, 'payment notification does not match the order');
      throw new ApiError(409, 'amount_mismatch', `payment does not match order: ${mismatch}`);
    }
    const inserted = await db.payment.createMany({
      data: [{ orderId: n.orderId, provider: name, txnId: n.txnId, amountCents: n.amountCents, currency: n.currency.toUpperCase() }],
      skipDuplicates: true,
    });
    const duplicate = inserted.count === 0;
    // an order that already moved on has heard this payment; tell the gateway it is received
    if (duplicate && order.status !== 'awaiting_payment') return void res.json({ received: true, duplicate });
    try {
      await temporal.workflow.getHandle(orderWorkflowId(n.orderId)).signal(paymentConfirmed, {
        provider: name, txnId: n.txnId, amountCents: n.amountCents, currency: n.currency.toUpperCase(),
      });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new ApiError(409, 'order_not_payable', `order ${n.orderId} is ${order.status} and no longer accepts payment`);
      }
      throw err;
    }
    res.json({ received: true, duplicate });
  });

  return router;
}
