import { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { bearerToken } from './bearer.js';
import { listProducts, productBySku, SkuParams } from './catalogue.js';
import { readBuyerOrder, readBuyerOrderWhenReady } from './order-view.js';
import type { BuyerGuards } from './guards.js';
import { checkout } from './place-order.js';
import { quote, QuoteBody } from './quote.js';
import { CreateOrderBody, IdempotencyKey, OrderParams, OrderReadQuery } from './schemas.js';

/** The public v1 checkout API that shops, bots and resellers integrate with. */
export function checkoutRouter(deps: ApiDeps, guards: BuyerGuards): Router {
  const router = Router();

  router.get('/products', async (_req, res) => {
    res.json({ data: await listProducts(deps) });
  });

  router.get('/products/:sku', async (req, res) => {
    res.json(await productBySku(deps, SkuParams.parse(req.params).sku));
  });

  /** The price an order would have now (list price, promotions, total), holding nothing. */
  router.post('/quote', guards.coupon, async (req, res) => {
    res.json(await quote(deps, QuoteBody.parse(req.body)));
  });

  router.post('/orders', guards.checkout, guards.coupon, async (req, res) => {
    const key = req.get('Idempotency-Key');
    const idempotencyKey = key === undefined ? undefined : IdempotencyKey.parse(key);
    const answer = await checkout(deps, CreateOrderBody.parse(req.body), idempotencyKey, req.ip);
    res.status('replayed' in answer ? 200 : 201).json(answer);
  });

  router.get('/orders/:orderId', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store'); // the answer holds the buyer's keys
    const { orderId } = OrderParams.parse(req.params);
    const { wait } = OrderReadQuery.parse(req.query);
    const token = bearerToken(req.get('authorization'));
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    res.json(wait ? await readBuyerOrderWhenReady(deps, orderId, token, wait * 1000, aborted.signal) : await readBuyerOrder(deps, orderId, token));
  });

  return router;
}
