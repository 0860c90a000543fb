import { Router, type Request } from 'express';
import { z } from 'zod';
import { accepts } from '../../domain/order-commands.js';
import type { Decision, OrderView } from '../../domain/order.js';
import { audit } from '../../infra/audit.js';
import { importKeys } from '../../infra/key-import.js';
import type { ApiDeps } from '../deps.js';
import { resendKeys } from '../checkout/resend.js';
import { ApiError, errorBody, toApiError } from '../errors.js';
import { actorOf, requireRole } from './session.js';
import { INT4_MAX } from '../../domain/ids.js';

const OrderId = z.string().trim().min(1).max(40);
const Note = z.string().trim().max(1000).optional();
const DecisionBody = z.strictObject({
  note: Note,
  quantity: z.int().min(1).max(INT4_MAX).optional(),
  /** The review the operator was looking at; a decision for an older one is refused as stale. */
  reviewSeq: z.int().min(1).max(INT4_MAX).optional(),
});
const BulkBody = z.strictObject({
  ids: z.array(OrderId).min(1).max(200),
  decision: z.enum(['approve', 'reject']),
  note: Note,
});
const BULK_PARALLELISM = 8;

/** The signed-in operator as the decider recorded in the workflow and the audit log. */
const decider = (req: Request): Decision['by'] => ({ id: req.admin!.operator.id, email: req.admin!.operator.email });

/**
 * Sends an operator's decision to the order's workflow with the proof that their session made it
 * (the workflow records nothing without one). The one path of every decision by a person: the
 * panel's (its cookie session) and Telegram's (a short session opened for the linked operator).
 */
export async function decideOrder(deps: Pick<ApiDeps, 'db' | 'runs' | 'vault'>, by: Decision['by'], sessionId: string, orderId: string,
  action: 'approve' | 'reject', d: Omit<Decision, 'by' | 'proof'>): Promise<OrderView> {
  const order = await deps.db.order.findUnique({ where: { id: orderId }, select: { status: true } });
  if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
  const issuedAt = Date.now();
  const proof = { sessionId, issuedAt, mac: deps.vault.decisionProof({ orderId, action, operatorId: by.id, sessionId, issuedAt }) };
  try {
    return await deps.runs.decide(orderId, action, { ...d, by, proof });
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') {
      throw new ApiError(409, 'not_awaiting_review', `order is ${order.status}, not waiting for a decision`);
    }
    throw err;
  }
}

/**
 * Decisions are commands on the order's workflow (Temporal Updates), never edits of the row: the
 * workflow's validator refuses a decision the order is not waiting for, so nothing changes then.
 */
export function decisionsRouter(deps: ApiDeps): Router {
  const router = Router();
  const { db, runs } = deps;

  const decide = (req: Request, orderId: string, action: 'approve' | 'reject', d: Omit<Decision, 'by' | 'proof'>) =>
    decideOrder(deps, decider(req), req.admin!.id, orderId, action, d);

  for (const action of ['approve', 'reject'] as const) {
    router.post(`/orders/:id/${action}`, requireRole('operator'), async (req, res) => {
      const id = OrderId.parse(req.params.id);
      const body = DecisionBody.parse(req.body ?? {});
      if (action === 'reject' && body.quantity !== undefined) throw new ApiError(400, 'invalid_request', 'a rejection takes no quantity', { quantity: 'only for approve' });
      res.json(await decide(req, id, action, body));
    });
  }

  /** Each id becomes its own Update; good items apply, bad ones are reported, none blocks another. */
  router.post('/orders/bulk-decide', requireRole('operator'), async (req, res) => {
    const { ids, decision, note } = BulkBody.parse(req.body);
    const results: { id: string; ok: boolean; status?: string; error?: { code: string; message: string } }[] = [];
    const queue = [...new Set(ids)];
    await Promise.all(Array.from({ length: Math.min(BULK_PARALLELISM, queue.length) }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const view = await decide(req, id, decision, { note });
          results.push({ id, ok: true, status: view.status });
        } catch (err) {
          if (!toApiError(err)) deps.log.error({ err, orderId: id }, 'bulk decision failed');
          results.push({ id, ok: false, error: errorBody(err, req.id).error });
        }
      }
    }));
    res.json({ results: ids.filter((id, i) => ids.indexOf(id) === i).map((id) => results.find((r) => r.id === id)!) });
  });

  /** Mails the order's keys again (a buyer lost the email, or it kept failing): an after-sales run. */
  router.post('/orders/:id/resend', requireRole('operator'), async (req, res) => {
    const id = OrderId.parse(req.params.id);
    const { status, channel } = await resendKeys(deps, id, decider(req).email);
    await audit(db, actorOf(req), 'order.resend', { type: 'order', id }, { channel });
    res.status(202).json({ id, status, channel });
  });

  /**
   * Manual-delivery products: the operator enters the goods (one line per unit). They are stored
   * encrypted like any key, held for this order, and the order's workflow delivers them.
   */
  router.post('/orders/:id/mark-delivered', requireRole('operator'), async (req, res) => {
    const id = OrderId.parse(req.params.id);
    const { goods } = z.strictObject({ goods: z.array(z.string().trim().min(1).max(500)).min(1).max(500) }).parse(req.body);
    const order = await db.order.findUnique({ where: { id }, include: { product: { select: { deliveryMode: true } } } });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${id}`);
    if (!accepts('mark_delivered', { status: order.status, deliveryMode: order.product.deliveryMode })) {
      throw new ApiError(409, 'not_awaiting_goods', `order is ${order.status}; goods are entered for paid orders of manual-delivery products`);
    }
    const need = (order.approvedQuantity ?? order.quantity) - await db.cardKey.count({ where: { orderId: id, status: { in: ['reserved', 'sold'] } } });
    if (goods.length !== need) throw new ApiError(400, 'invalid_request', `enter exactly ${need} line(s) of goods`, { goods: `expected ${need} line(s)` });
    await importKeys(db, deps.vault, order.productId, goods, `manual delivery ${id}`, async (tx, r) => {
      if (r.imported !== need) throw new ApiError(409, 'duplicate_goods', 'some of these goods were delivered before; enter fresh ones');
      await tx.cardKey.updateMany({ where: { batchId: r.batchId }, data: { status: 'reserved', orderId: id } });
      await audit(tx, actorOf(req), 'order.manual_delivery', { type: 'order', id }, { units: need });
    });
    await runs.stockArrived(id);
    res.status(202).json({ id, status: 'delivering' });
  });

  router.post('/orders/:id/cancel', requireRole('operator'), async (req, res) => {
    const id = OrderId.parse(req.params.id);
    const { note } = z.strictObject({ note: Note }).parse(req.body ?? {});
    const view = await runs.cancel(id, decider(req).email, note);
    // a payment recorded before the cancellation wins: the order is paid, not cancelled
    if (view.status !== 'cancelled') throw new ApiError(409, 'not_awaiting_payment', `a payment arrived first; the order is ${view.status}`);
    res.json(view);
  });

  return router;
}
