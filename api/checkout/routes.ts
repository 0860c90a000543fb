import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { formatMinor } from '../../domain/money.js';
import { availableStock } from '../../infra/order-store.js';
import type { RuleSettings } from '../../domain/rules.js';
import { globalRules, mergeRules } from '../../infra/rules-store.js';
import type { ApiDeps } from '../deps.js';
import { attemptView, openAttempt, type AttemptView } from '../../infra/payments/attempts.js';
import { ApiError } from '../errors.js';
import { bearerToken } from './bearer.js';
import { readBuyerOrder, readBuyerOrderWhenReady } from './order-view.js';
import { placeOrder } from './place-order.js';
import { CreateOrderBody, IdempotencyKey, OrderParams, OrderReadQuery } from './schemas.js';


const purchaseLimitOf = (s: RuleSettings) => (s.purchaseLimit === null ? null : { quantity: s.purchaseLimit, window: s.purchaseLimitWindow });

/** The public v1 checkout API that shops, bots and resellers integrate with. */
export function checkoutRouter(deps: ApiDeps): Router {
  const router = Router();
  const { db, vault, config } = deps;

  router.get('/products', async (_req, res) => {
    const products = await db.product.findMany({ where: { active: true }, orderBy: { name: 'asc' } });
    const stock = await availableStock(db, products.map((p) => p.id));
    const global = await globalRules(db);
    res.json({
      data: products.map((p) => ({
        id: p.id, sku: p.sku, name: p.name, description: p.description, price: formatMinor(Number(p.priceCents), p.currency), priceCents: Number(p.priceCents),
        currency: p.currency, available: stock.get(p.id) ?? 0, demo: p.demo,
        purchaseLimit: purchaseLimitOf(mergeRules(global, p).settings),
      })),
    });
  });

  const checkoutLimit = rateLimit({
    windowMs: 60_000,
    limit: config.KAMI_CHECKOUT_RATE_LIMIT || Number.MAX_SAFE_INTEGER,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new ApiError(429, 'rate_limited', 'too many orders from this address; wait a minute and try again')),
  });

  /**
   * The gateway an order is placed with: the one the buyer named (it must be enabled), the only one
   * enabled, or none yet (several are: the payment page lets the buyer pick).
   */
  async function chooseGateway(named: string | undefined): Promise<string | null> {
    if (named) {
      if (!(await deps.gateways.get(named))) throw new ApiError(400, 'invalid_request', `payment provider "${named}" is not enabled here`, { provider: 'not enabled' });
      return named;
    }
    const enabled = await deps.gateways.enabled();
    if (!enabled.length) throw new ApiError(503, 'payments_unavailable', 'no payment provider is enabled; the shop cannot take orders');
    return enabled.length === 1 ? enabled[0]!.name : null;
  }

  router.post('/orders', checkoutLimit, async (req, res) => {
    const key = req.get('Idempotency-Key');
    const idempotencyKey = key === undefined ? undefined : IdempotencyKey.parse(key);
    const body = CreateOrderBody.parse(req.body);
    const provider = await chooseGateway(body.provider);
    const order = await placeOrder(deps, body, idempotencyKey, req.ip, provider);
    if (order.foreignReplay) {
      return void res.status(200).json({
        orderId: order.id, status: order.status, replayed: true,
        message: 'this Idempotency-Key placed an order from another address; its access token goes only to that address (and to the buyer by email)',
      });
    }
    const accessToken = vault.orderAccessToken(order.id);
    const pay = `${config.publicUrl}/${provider === 'sandbox' ? 'sandbox/pay' : 'pay'}/${order.id}?token=${encodeURIComponent(accessToken)}`;
    let payment: AttemptView | undefined;
    if (provider === 'sandbox') {
      // the sandbox needs no call out: its attempt is the one checkout opened
      payment = { provider, status: 'open', url: pay, amount: formatMinor(order.amountCents, order.currency), currency: order.currency, expiresAt: order.expiresAt.toISOString() };
    } else if (provider && order.status === 'awaiting_payment') {
      payment = await openAttempt(deps, order.id, provider, req.ip);
    }
    res.status(201).json({
      orderId: order.id,
      status: order.status,
      amountDue: formatMinor(order.amountCents, order.currency),
      amountDueCents: order.amountCents,
      currency: order.currency,
      expiresAt: order.expiresAt.toISOString(),
      paymentUrl: pay,
      ...(payment ? { payment } : {}),
      orderUrl: `${config.publicUrl}/orders/${order.id}?token=${accessToken}`,
      accessToken,
    });
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
