import { Router } from 'express';
import { LookupInput } from '../../domain/order-lookup.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses, registry } from '../openapi.js';
import { authorizeBuyer } from './order-view.js';
import { bearerToken } from './bearer.js';
import { leaveFeedback } from './feedback.js';
import type { BuyerGuards } from './guards.js';
import { lookupOrders } from './lookup.js';
import { resendKeys } from './resend.js';
import { OrderParams } from './schemas.js';

registry.registerPath({
  method: 'post', path: '/api/v1/orders/{orderId}/resend', summary: 'Mail a delivered order\'s keys again to the order\'s email',
  description: 'Limited per order per hour (429 rate_limited); 409 order_not_delivered or order_busy otherwise.',
  security: [{ bearer: [] }],
  request: { params: OrderParams },
  responses: { 202: { description: 'the keys are on their way again' }, ...errorResponses(401, 403, 404, 409, 429) },
});

/** What buyers do on their own after checkout: find their orders again, have the keys resent, leave feedback. */
export function selfServiceRouter(deps: ApiDeps, guards: BuyerGuards): Router {
  const router = Router();

  router.post('/lookup', ...guards.lookup, async (req, res) => {
    res.json({ orders: await lookupOrders(deps, LookupInput.parse(req.body)) });
  });

  router.post('/orders/:orderId/resend', guards.resend, async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    authorizeBuyer(deps.vault, orderId, bearerToken(req.get('authorization')));
    res.status(202).json({ orderId, ...await resendKeys(deps, orderId, 'buyer') });
  });

  router.put('/orders/:orderId/feedback', async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    res.json(await leaveFeedback(deps, orderId, bearerToken(req.get('authorization')), req.body));
  });

  return router;
}
