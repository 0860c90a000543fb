import type { z } from 'zod';
import { formatCents } from '../../domain/money.js';
import { KEYS_READABLE, type OrderStatus } from '../../domain/order-status.js';
import { readOrderSecrets } from '../../infra/order-store.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { OrderOut } from './schemas.js';

/** The buyer's bearer token must open this very order: 401 without one, 403 for another order's. */
export function authorizeBuyer(vault: Pick<ApiDeps['vault'], 'verifyOrderAccessToken'>, orderId: string, token: string | undefined) {
  if (!token) throw new ApiError(401, 'missing_token', 'send the order\'s accessToken as "Authorization: Bearer <token>"');
  if (!vault.verifyOrderAccessToken(orderId, token)) throw new ApiError(403, 'invalid_token', 'this access token does not open this order');
}

/** The buyer's view of an order, keys included once readable. Checks the order's access token first. */
export async function readBuyerOrder(deps: Pick<ApiDeps, 'db' | 'vault'>, orderId: string, token: string | undefined): Promise<z.infer<typeof OrderOut>> {
  authorizeBuyer(deps.vault, orderId, token);
  const order = await deps.db.order.findUnique({
    where: { id: orderId },
    include: { product: { select: { sku: true, name: true, guide: true } }, deliveries: { where: { channel: 'email' } } },
  });
  if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
  // sold keys are the buyer's whatever the order does next (e.g. while a report on one is reviewed)
  const keys = (await readOrderSecrets(deps.db, deps.vault, orderId)).map((k) => k.secret);
  const readable = keys.length > 0 || KEYS_READABLE.includes(order.status as OrderStatus);
  const email = order.deliveries[0];
  return {
    orderId: order.id,
    status: order.status as OrderStatus,
    sku: order.product.sku,
    productName: order.product.name,
    quantity: order.quantity,
    amountDue: formatCents(order.amountCents),
    amountDueCents: order.amountCents,
    currency: order.currency,
    createdAt: order.createdAt.toISOString(),
    expiresAt: order.expiresAt.toISOString(),
    paidAt: order.paidAt?.toISOString() ?? null,
    deliveredAt: order.deliveredAt?.toISOString() ?? null,
    keys,
    email: email ? { status: email.status, attempts: email.attempts } : null,
    guide: readable ? order.product.guide : '',
  };
}
