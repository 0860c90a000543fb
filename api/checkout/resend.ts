import { accepts } from '../../domain/order-commands.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';

/**
 * Mails a delivered order's keys again to the order's own email (an operator's resend, or the buyer's
 * "send my keys again"): an after-sales run on the order's workflow, on a new delivery channel.
 */
export async function resendKeys(deps: Pick<ApiDeps, 'db' | 'runs'>, orderId: string, by: string): Promise<{ status: string; channel: string }> {
  const order = await deps.db.order.findUnique({ where: { id: orderId }, include: { product: { select: { sku: true } }, deliveries: { select: { id: true } } } });
  if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
  if (!accepts('resend', order)) {
    throw new ApiError(409, 'order_not_delivered', `order is ${order.status}; only delivered orders can be resent`);
  }
  const channel = `resend-${order.deliveries.length}`;
  const started = await deps.runs.startAfterSales({ id: orderId, productId: order.productId, sku: order.product.sku, expiresAt: order.expiresAt },
    { kind: 'resend', channel, by });
  if (!started) throw new ApiError(409, 'order_busy', 'this order is already being worked on; try again once that is settled');
  return { status: order.status, channel };
}
