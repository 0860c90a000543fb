import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { normalizeEmail, normalizePhone, type Identities } from '../../domain/identity.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { placeOrder as placeOrderSql, type PlaceOrderResult } from '../../infra/checkout-store.js';
import { durationMs } from '../../infra/config.js';
import { newOrderId } from '../../infra/ids.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { CreateOrderBody } from './schemas.js';

type Body = z.infer<typeof CreateOrderBody>;
export interface PlacedOrder { id: string; status: OrderStatus; amountCents: number; currency: string; expiresAt: Date }

const requestHash = (body: Body) =>
  createHash('sha256').update(JSON.stringify([body.sku, body.quantity, body.email.toLowerCase(), body.phone ?? null, body.deviceId ?? null])).digest('hex');

/**
 * Checkout: one SQL round trip creates the order and holds its keys (or finds the order a retried
 * Idempotency-Key made), against the process's cached rule settings; then the order's run is
 * started with a start delay that ends with the hold. If the process died between the two, the
 * retry (or the worker's sweep) starts the run.
 */
export async function placeOrder(deps: ApiDeps, body: Body, idempotencyKey: string | undefined, buyerIp: string | undefined, provider: string): Promise<PlacedOrder> {
  const { db, config, rules, runs } = deps;
  if (body.quantity > config.KAMI_MAX_QUANTITY) {
    throw new ApiError(400, 'invalid_request', `at most ${config.KAMI_MAX_QUANTITY} keys per order`, { quantity: `must be at most ${config.KAMI_MAX_QUANTITY}` });
  }
  const identities: Identities = {
    email: normalizeEmail(body.email), phone: body.phone ? normalizePhone(body.phone) : undefined, ip: buyerIp, device: body.deviceId,
  };
  const request = {
    orderId: newOrderId(), sku: body.sku, quantity: body.quantity, email: body.email, identities, idempotencyKey,
    requestHash: requestHash(body), provider, expiresAt: new Date(Date.now() + durationMs(config.orderTimeouts.paymentHold)),
  };

  const notFound = new ApiError(404, 'product_not_found', `no product with sku "${body.sku}" is on sale`);
  let product = await rules.forSku(body.sku);
  if (!product) throw notFound;
  let r: PlaceOrderResult = await placeOrderSql(db, request, product.productId, product);
  if (r.outcome === 'stale_rules') {
    // the panel changed this product or the rules (or the SKU moved): reload once and try again
    rules.forget(product.productId, body.sku);
    product = await rules.forSku(body.sku);
    if (!product) throw notFound;
    r = await placeOrderSql(db, request, product.productId, product);
  }

  switch (r.outcome) {
    case 'created':
    case 'existing': {
      const placed = { id: r.orderId, status: r.status, amountCents: r.amountCents, currency: r.currency, expiresAt: new Date(r.expiresAt) };
      if (placed.status === 'awaiting_payment') await runs.start({ id: placed.id, productId: product.productId, sku: body.sku, expiresAt: placed.expiresAt });
      return placed;
    }
    case 'product_not_found':
      throw notFound;
    case 'idempotency_key_reused':
      throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different order; use a new key for a new order');
    case 'out_of_stock':
      throw new ApiError(409, 'out_of_stock', `only ${r.available} of ${body.quantity} keys of "${body.sku}" are available right now`, { available: r.available });
    case 'limit_exceeded': {
      const s = product.settings;
      throw new ApiError(409, 'limit_exceeded', `this product is limited to ${s.purchaseLimit} per buyer per ${s.purchaseLimitWindow}; you already have ${r.bought}`,
        { limit: s.purchaseLimit, bought: r.bought, window: s.purchaseLimitWindow });
    }
    case 'stale_rules':
      throw new Error(`rule settings of ${body.sku} kept changing during checkout`);
  }
}
