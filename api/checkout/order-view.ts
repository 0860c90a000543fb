import type { z } from 'zod';
import { formatCents } from '../../domain/money.js';
import { KEYS_READABLE, type OrderStatus } from '../../domain/order-status.js';
import { readOrderSecrets } from '../../infra/order-store.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { OrderOut } from './schemas.js';

/** The buyer's view of an order, keys included once readable. Checks the order's access token first. */
export async function readBuyerOrder(deps: Pick<ApiDeps, 'db' | 'vault'>, orderId: string, token: string | undefined): Promise<z.infer<typeof OrderOut>> {
  if (!token) throw new ApiError(401, 'missing_token', 'send the order\'s accessToken as "Authorization: Bearer <token>"');
  if (!deps.vault.verifyOrderAccessToken(orderId, token)) throw new ApiError(403, 'invalid_token', 'this access token does not open this order');
  const order = await deps.db.order.findUnique({
    where: { id: orderId },
    include: { product: { select: { sku: true, name: true, guide: true } }, deliveries: { where: { channel: 'email' } } },
  });
  if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
  const readable = KEYS_READABLE.includes(order.status as OrderStatus);
  const keys = readable ? (await readOrderSecrets(deps.db, deps.vault, orderId)).map((k) => k.secret) : [];
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
