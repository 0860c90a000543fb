import { Router } from 'express';
import { z } from 'zod';
import { accepts } from '../../domain/order-commands.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errorResponses, registry } from '../openapi.js';
import { bearerToken } from './bearer.js';
import { authorizeBuyer } from './order-view.js';
import { OrderParams } from './schemas.js';

export const KeyReportBody = z.strictObject({
  key: z.string().trim().min(1).max(500).meta({ description: 'the key text as delivered' }),
  reason: z.string().trim().min(3).max(500).meta({ example: 'the platform says this code was already redeemed' }),
}).meta({ id: 'KeyReport' });

registry.registerPath({
  method: 'post', path: '/api/v1/orders/{orderId}/reports', summary: 'Report a delivered key as invalid; the shop reviews it and replaces it',
  security: [{ bearer: [] }],
  request: { params: OrderParams, body: { content: { 'application/json': { schema: KeyReportBody } } } },
  responses: { 202: { description: 'the report waits for the shop' }, ...errorResponses(400, 401, 403, 404, 409, 429) },
});

/** Reports a buyer may file on one order: each one puts it in front of a person, so they are not free. */
const MAX_REPORTS_PER_ORDER = 3;

/**
 * A buyer's "this key did not work" (the public API and the order page alike): opens a review on the
 * order's own workflow, and records the report against the key's product and import batch, where the
 * panel counts report rates.
 */
export async function reportInvalidKey(deps: Pick<ApiDeps, 'db' | 'vault' | 'runs'>, orderId: string, token: string | undefined, input: unknown) {
  const { db, vault, runs } = deps;
  authorizeBuyer(vault, orderId, token);
  const body = KeyReportBody.parse(input);
  const order = await db.order.findUnique({ where: { id: orderId }, include: { product: { select: { sku: true } } } });
  if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
  if (!accepts('report_key', order)) {
    throw new ApiError(409, 'order_not_delivered', `order is ${order.status}; only delivered keys can be reported`);
  }
  const [{ reports } = { reports: 0 }] = await db.$queryRaw<{ reports: number }[]>`
    SELECT count(*)::int AS reports FROM order_event
    WHERE order_id = ${orderId} AND type = 'in_review' AND data->'reasons' @> '[{"code":"invalid_key_report"}]'`;
  if (reports >= MAX_REPORTS_PER_ORDER) {
    throw new ApiError(429, 'too_many_reports', `this order's keys were reported ${reports} times already; contact the shop directly`);
  }
  // a shared ("loop") key's use rows each carry a fingerprint of their own; the secret's is shared_fingerprint
  const fingerprint = vault.fingerprint(body.key);
  const key = await db.cardKey.findFirst({
    where: { orderId, status: 'sold', OR: [{ fingerprint }, { sharedFingerprint: fingerprint }] }, select: { id: true, batchId: true },
  });
  if (!key) throw new ApiError(404, 'key_not_found', 'that key is not one of the keys this order holds (a replaced key cannot be reported again)');
  const started = await runs.startAfterSales({ id: orderId, productId: order.productId, sku: order.product.sku, expiresAt: order.expiresAt },
    { kind: 'invalid_key', keyId: key.id, reason: body.reason });
  if (!started) throw new ApiError(409, 'order_busy', 'this order is already being looked at; try again once that is settled');
  await db.keyReport.create({ data: { orderId, cardKeyId: key.id, productId: order.productId, batchId: key.batchId, reason: body.reason } });
  return { orderId, status: 'in_review' as const, keyId: key.id };
}

/** After-sales for buyers: an invalid-key report opens a review on the order's own workflow. */
export function reportsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/orders/:orderId/reports', async (req, res) => {
    const { orderId } = OrderParams.parse(req.params);
    res.status(202).json(await reportInvalidKey(deps, orderId, bearerToken(req.get('authorization')), req.body));
  });

  return router;
}
