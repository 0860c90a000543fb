import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { orderWorkflowId } from '../../domain/ids.js';
import type { OrderInput } from '../../domain/order.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { durationMs } from '../../infra/config.js';
import { normalizeEmail, normalizePhone, type Identities } from '../../domain/identity.js';
import type { RuleSettings } from '../../domain/rules.js';
import { keysBoughtInWindow } from '../../infra/buyer-facts.js';
import { Prisma } from '../../infra/db.js';
import { effectiveRules } from '../../infra/rules-store.js';
import { newOrderId } from '../../infra/ids.js';
import { orderInput, reserveKeys } from '../../infra/order-store.js';
import { startOrderWorkflow } from '../../infra/start-order.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { CreateOrderBody } from './schemas.js';

type Body = z.infer<typeof CreateOrderBody>;
interface PlacedOrder { id: string; status: string; input: OrderInput; expiresAt: Date }

class OutOfStock extends Error {
  constructor(readonly available: number) { super('out of stock'); }
}
class LimitExceeded extends Error {
  constructor(readonly bought: number, readonly limit: number, readonly window: string) { super('limit exceeded'); }
}

const requestHash = (body: Body) =>
  createHash('sha256').update(JSON.stringify([body.sku, body.quantity, body.email.toLowerCase(), body.phone ?? null, body.deviceId ?? null])).digest('hex');

/**
 * 限购: serialises checkouts of one buyer for one product (a transaction-scoped advisory lock per
 * identity, taken in a fixed order so two checkouts cannot deadlock), then counts what that buyer
 * already holds in the window. Concurrent checkouts therefore see each other's committed orders.
 */
async function enforcePurchaseLimit(tx: Prisma.TransactionClient, productId: string, ids: Identities, quantity: number, s: RuleSettings) {
  if (s.purchaseLimit === null) return;
  const keys = s.purchaseLimitBy.filter((k) => ids[k]).map((k) => `limit:${productId}:${k}:${ids[k]}`).sort();
  for (const key of keys) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
  const bought = await keysBoughtInWindow(tx, productId, ids, s);
  if (bought + quantity > s.purchaseLimit) throw new LimitExceeded(bought, s.purchaseLimit, s.purchaseLimitWindow);
}

/**
 * Checkout: creates the order and holds its keys in one transaction, then starts the order's workflow.
 * A retry with the same Idempotency-Key returns the same order and starts nothing new; if the process
 * died between commit and start, the retry (or the worker's reconciler) starts the workflow.
 */
export async function placeOrder(deps: ApiDeps, body: Body, idempotencyKey: string | undefined, buyerIp: string | undefined, paymentProvider: string): Promise<PlacedOrder> {
  const { db, config } = deps;
  const hash = requestHash(body);
  if (idempotencyKey) {
    const existing = await findByIdempotencyKey(deps, idempotencyKey, hash);
    if (existing) return existing;
  }
  const product = await db.product.findUnique({ where: { sku: body.sku } });
  if (!product || !product.active) throw new ApiError(404, 'product_not_found', `no product with sku "${body.sku}" is on sale`);
  if (body.quantity > config.KAMI_MAX_QUANTITY) {
    throw new ApiError(400, 'invalid_request', `at most ${config.KAMI_MAX_QUANTITY} keys per order`, { quantity: `must be at most ${config.KAMI_MAX_QUANTITY}` });
  }

  const orderId = newOrderId();
  const expiresAt = new Date(Date.now() + durationMs(config.orderTimeouts.paymentHold));
  const amountCents = product.priceCents * body.quantity;
  const ids: Identities = {
    email: normalizeEmail(body.email), phone: body.phone ? normalizePhone(body.phone) : undefined, ip: buyerIp, device: body.deviceId,
  };
  try {
    await db.$transaction(async (tx) => {
      const { settings } = await effectiveRules(tx, product.id);
      await enforcePurchaseLimit(tx, product.id, ids, body.quantity, settings);
      await tx.order.create({
        data: {
          id: orderId, productId: product.id, quantity: body.quantity, unitPriceCents: product.priceCents, amountCents,
          currency: product.currency, email: body.email, status: 'awaiting_payment' satisfies OrderStatus,
          idempotencyKey, requestHash: hash, paymentProvider, buyerIp, expiresAt,
          emailNormalized: ids.email!, phone: ids.phone, deviceId: ids.device,
        },
      });
      // manual goods are entered by an operator after payment: nothing to hold
      const held = product.deliveryMode === 'manual' ? [] : await reserveKeys(tx, product.id, orderId, body.quantity, expiresAt);
      if (product.deliveryMode !== 'manual' && held.length < body.quantity) throw new OutOfStock(held.length);
      await tx.orderEvent.create({ data: { orderId, type: 'created', data: { quantity: body.quantity, amountCents, heldKeys: held.length } } });
    });
  } catch (err) {
    if (err instanceof OutOfStock) {
      throw new ApiError(409, 'out_of_stock', `only ${err.available} of ${body.quantity} keys of "${body.sku}" are available right now`, { available: err.available });
    }
    if (err instanceof LimitExceeded) {
      throw new ApiError(409, 'limit_exceeded',
        `this product is limited to ${err.limit} per buyer per ${err.window}; you already have ${err.bought}`, { limit: err.limit, bought: err.bought, window: err.window });
    }
    if (idempotencyKey && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      // a concurrent request with the same key won the race: answer with its order
      const existing = await findByIdempotencyKey(deps, idempotencyKey, hash);
      if (existing) return existing;
    }
    throw err;
  }
  const input: OrderInput = {
    orderId, productId: product.id, sku: product.sku, quantity: body.quantity, amountCents, currency: product.currency,
    timeouts: config.orderTimeouts,
  };
  await startOrderWorkflow(deps.temporal, deps.config.KAMI_TASK_QUEUE, input);
  return { id: orderId, status: 'awaiting_payment', input, expiresAt };
}

async function findByIdempotencyKey(deps: ApiDeps, key: string, hash: string): Promise<PlacedOrder | null> {
  const order = await deps.db.order.findUnique({ where: { idempotencyKey: key }, include: { product: { select: { sku: true } } } });
  if (!order) return null;
  if (order.requestHash !== hash) {
    throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different order; use a new key for a new order');
  }
  const input = orderInput(order, order.product.sku, deps.config.orderTimeouts);
  if (order.status === 'awaiting_payment') await startOrderWorkflow(deps.temporal, deps.config.KAMI_TASK_QUEUE, input);
  return { id: order.id, status: order.status, input, expiresAt: order.expiresAt };
}
