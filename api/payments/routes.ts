import { Router } from 'express';
import { z } from 'zod';
import type { PaymentFacts } from '../../domain/order.js';
import { recordPayment } from '../../infra/payment-store.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errorResponses, registry } from '../openapi.js';
import type { PaymentProvider } from './provider.js';

const ProviderParams = z.object({ provider: z.string().regex(/^[a-z0-9_-]{1,32}$/) });

registry.registerPath({
  method: 'post', path: '/api/v1/payments/{provider}/notify', summary: 'Payment gateway callback (signed by the gateway)',
  request: { params: ProviderParams },
  responses: { 200: { description: 'stored, or a duplicate that changed nothing' }, ...errorResponses(400, 401, 404, 409) },
});

/**
 * Gateway callbacks: verify the signature → store the notification (unique per provider and
 * transaction) → wake the order's run with Signal-With-Start, naming the stored row. The webhook
 * decides nothing about the order: the run settles the payment from the stored row, whether it
 * pays the order, arrives late (review) or comes twice (flagged for a refund). A duplicate the run
 * already applied is acknowledged without waking anything; one not yet applied (the first attempt
 * died before its signal) wakes the run again, which ignores a reference it has seen.
 */
export function paymentsRouter(deps: ApiDeps, providers: Map<string, PaymentProvider>): Router {
  const router = Router();
  const { db, runs, log } = deps;

  router.post('/:provider/notify', async (req, res) => {
    const { provider: name } = ProviderParams.parse(req.params);
    const provider = providers.get(name);
    if (!provider) throw new ApiError(404, 'unknown_provider', `payment provider "${name}" is not enabled`);
    const n = provider.verifyNotification(req);
    const facts: PaymentFacts = { provider: name, txnId: n.txnId, amountCents: n.amountCents, currency: n.currency.toUpperCase(), ...(n.account ? { account: n.account } : {}) };
    const stored = await recordPayment(db, n.orderId, facts);
    if (!stored) throw new ApiError(404, 'order_not_found', `no order ${n.orderId}`);
    const duplicate = stored.inserted === 0;
    if (duplicate && stored.prev_order_id !== n.orderId) {
      log.warn({ orderId: n.orderId, provider: name, txnId: n.txnId, paidOrder: stored.prev_order_id }, 'a gateway transaction was presented for a second order');
      throw new ApiError(409, 'transaction_reused', 'this gateway transaction is already recorded for another order');
    }
    if (!duplicate || !stored.prev_applied_at) {
      await runs.paymentRecorded(
        { id: stored.order_id, productId: stored.product_id, sku: stored.sku, expiresAt: stored.expires_at },
        { paymentId: stored.payment_id!, ...facts },
      );
    }
    res.json({ received: true, duplicate });
  });

  return router;
}
