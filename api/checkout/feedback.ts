import { z } from 'zod';
import { FeedbackInput } from '../../domain/feedback.js';
import { accepts } from '../../domain/order-commands.js';
import { durationMs } from '../../infra/config.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errorResponses, registry } from '../openapi.js';
import { authorizeBuyer } from './order-view.js';
import { OrderParams } from './schemas.js';

export const FeedbackOut = z.object({
  orderId: z.string(),
  rating: z.int(),
  comment: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  editableUntil: z.iso.datetime().meta({ description: 'the rating and comment can be changed until then' }),
}).meta({ id: 'FeedbackLeft' });

registry.registerPath({
  method: 'put', path: '/api/v1/orders/{orderId}/feedback', summary: 'Rate a delivered order (1–5) and comment on it; the same call changes it for a while',
  security: [{ bearer: [] }],
  request: { params: OrderParams, body: { content: { 'application/json': { schema: FeedbackInput } } } },
  responses: { 200: { description: 'the feedback as stored', content: { 'application/json': { schema: FeedbackOut } } }, ...errorResponses(400, 401, 403, 404, 409) },
});

/** Until when feedback first left at `createdAt` can still be changed. */
export const feedbackEditableUntil = (config: ApiDeps['config'], createdAt: Date | string) =>
  new Date(new Date(createdAt).getTime() + durationMs(config.KAMI_FEEDBACK_EDIT_WINDOW));

interface Row { rating: number; comment: string; created_at: Date; updated_at: Date }

/**
 * The buyer's rating and comment on a delivered order (the public API and the order page alike): one
 * per order, changed by the same call until KAMI_FEEDBACK_EDIT_WINDOW after it was first left.
 */
export async function leaveFeedback(deps: Pick<ApiDeps, 'db' | 'vault' | 'config'>, orderId: string, token: string | undefined, input: unknown): Promise<z.infer<typeof FeedbackOut>> {
  const { db, config } = deps;
  authorizeBuyer(deps.vault, orderId, token);
  const { rating, comment } = FeedbackInput.parse(input);
  const order = await db.order.findUnique({ where: { id: orderId }, select: { status: true, productId: true } });
  if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
  if (!accepts('leave_feedback', order)) throw new ApiError(409, 'order_not_delivered', `order is ${order.status}; feedback can be left once it is delivered`);
  const windowMs = durationMs(config.KAMI_FEEDBACK_EDIT_WINDOW);
  // one statement: the first feedback, or a change while the window is open (nothing otherwise)
  const [row] = await db.$queryRaw<Row[]>`
    INSERT INTO order_feedback (order_id, product_id, rating, comment) VALUES (${orderId}, ${order.productId}::uuid, ${rating}, ${comment})
    ON CONFLICT (order_id) DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, updated_at = now()
      WHERE order_feedback.created_at > now() - ${windowMs} * interval '1 millisecond'
    RETURNING rating, comment, created_at, updated_at`;
  if (!row) {
    throw new ApiError(409, 'feedback_closed', `feedback can be changed for ${config.KAMI_FEEDBACK_EDIT_WINDOW} after it was first left; this order's can no longer be changed`);
  }
  return {
    orderId, rating: row.rating, comment: row.comment, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
    editableUntil: feedbackEditableUntil(config, row.created_at).toISOString(),
  };
}
