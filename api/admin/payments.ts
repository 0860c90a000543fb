import { Router } from 'express';
import { z } from 'zod';
import { accepts } from '../../domain/order-commands.js';
import { audit } from '../../infra/audit.js';
import type { Prisma } from '../../infra/db.js';
import { recordPayment } from '../../infra/payment-store.js';
import { askGateway } from '../../infra/payments/ask.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { IntId, oneOrMany, orderBy, parseListQuery, SerialId, sendList } from './list-query.js';
import { actorOf, requireRole } from './session.js';

const OrderId = z.string().trim().min(1).max(40);

const NOTIFICATIONS = {
  sortable: ['id', 'receivedAt', 'provider', 'outcome'],
  defaultSort: ['id', 'DESC'],
  filter: z.strictObject({
    orderId: OrderId.optional(),
    provider: z.string().max(16).optional(),
    verified: z.boolean().optional(),
    /** Verified payments that named no order of their gateway: a person matches them up. */
    unmatched: z.boolean().optional(),
    /**
     * Notifications tied to no order whose raw path or body names this order id, received since it was
     * placed: refused callbacks claiming to pay it (unverified, so never linked to it), for a dispute.
     */
    mentions: OrderId.optional(),
  }),
} as const;

const ATTEMPTS = {
  sortable: ['id', 'createdAt', 'seq'],
  defaultSort: ['id', 'ASC'],
  filter: z.strictObject({ orderId: OrderId.optional(), provider: z.string().max(16).optional(), status: z.string().max(16).optional() }),
} as const;

const REFUNDS = {
  sortable: ['id', 'createdAt', 'status', 'amountMinor'],
  defaultSort: ['createdAt', 'DESC'],
  filter: z.strictObject({ id: oneOrMany(SerialId).optional(), orderId: OrderId.optional(), status: oneOrMany(z.string().max(16)).optional() }),
} as const;

const ConfirmBody = z.strictObject({
  /** The gateway's transaction reference the operator saw (their statement, the buyer's receipt). */
  reference: z.string().trim().min(3).max(100).optional(),
  note: z.string().trim().max(1000).optional(),
});

/**
 * The money trail of orders for the panel: every notification and query answer (for disputes),
 * refunds (and closing the ones a person pays back), and "confirm paid": ask the gateway first and
 * take its answer; without one, the operator states the payment's reference. Either way the payment
 * is recorded and the order's run settles it on the normal verified path; it is audited.
 */
export function paymentsAdminRouter(deps: ApiDeps): Router {
  const router = Router();
  const { db, gateways, runs } = deps;

  router.get('/payment-notifications', requireRole('operator'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, NOTIFICATIONS);
    const mentioned = f.mentions ? await db.order.findUnique({ where: { id: f.mentions }, select: { id: true, createdAt: true } }) : undefined;
    if (mentioned === null) return void sendList(res, 'payment-notifications', [], 0, range);
    const where: Prisma.PaymentNotificationWhereInput = {
      orderId: f.orderId, provider: f.provider, verified: f.verified, ...(f.unmatched ? { outcome: 'unknown_reference' } : {}),
      ...(mentioned ? {
        AND: [{ orderId: null }, { receivedAt: { gte: mentioned.createdAt } }, { OR: [{ path: { contains: mentioned.id } }, { body: { contains: mentioned.id } }] }],
      } : {}),
    };
    const [rows, total] = await Promise.all([
      db.paymentNotification.findMany({ where, orderBy: orderBy<Prisma.PaymentNotificationOrderByWithRelationInput>(sort), skip, take }),
      db.paymentNotification.count({ where }),
    ]);
    sendList(res, 'payment-notifications', rows, total, range);
  });

  router.get('/payment-attempts', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, ATTEMPTS);
    const where: Prisma.PaymentAttemptWhereInput = { orderId: f.orderId, provider: f.provider, status: f.status };
    const [rows, total] = await Promise.all([
      db.paymentAttempt.findMany({
        where, orderBy: orderBy<Prisma.PaymentAttemptOrderByWithRelationInput>(sort), skip, take,
        include: { payments: { select: { id: true, txnId: true, amountCents: true, currency: true, verifiedBy: true, confirmedBy: true, receivedAt: true, appliedAt: true } } },
      }),
      db.paymentAttempt.count({ where }),
    ]);
    sendList(res, 'payment-attempts', rows, total, range);
  });

  router.get('/refunds', requireRole('viewer'), async (req, res) => {
    const { filter: f, sort, skip, take, range } = parseListQuery(req.query, REFUNDS);
    const where: Prisma.RefundWhereInput = { id: f.id && { in: f.id }, orderId: f.orderId, status: f.status && { in: f.status } };
    const [rows, total] = await Promise.all([
      db.refund.findMany({ where, orderBy: orderBy<Prisma.RefundOrderByWithRelationInput>(sort), skip, take, include: { payment: { select: { txnId: true } } } }),
      db.refund.count({ where }),
    ]);
    sendList(res, 'refunds', rows, total, range);
  });

  /** A refund a person paid back (outside Kami, or after the gateway refused): closed with the reference. */
  router.post('/refunds/:id/close', requireRole('operator'), async (req, res) => {
    const { id } = IntId.parse(req.params);
    const { reference } = z.strictObject({ reference: z.string().trim().min(3).max(200) }).parse(req.body);
    const refund = await db.$transaction(async (tx) => {
      const closed = await tx.refund.updateMany({
        where: { id, status: { in: ['manual', 'failed', 'requested'] } },
        data: { status: 'done', reference, closedBy: actorOf(req).email, updatedAt: new Date() },
      });
      if (!closed.count) throw new ApiError(409, 'refund_not_open', 'this refund is not waiting for a person (already refunded, or not found)');
      const r = await tx.refund.findUniqueOrThrow({ where: { id } });
      await audit(tx, actorOf(req), 'refund.close', { type: 'order', id: r.orderId }, { refundId: id, reference, amountMinor: r.amountMinor, currency: r.currency });
      return r;
    });
    res.json(refund);
  });

  router.post('/orders/:id/confirm-payment', requireRole('operator'), async (req, res) => {
    const orderId = OrderId.parse(req.params.id);
    const body = ConfirmBody.parse(req.body ?? {});
    const order = await db.order.findUnique({ where: { id: orderId }, include: { product: { select: { sku: true } }, attempts: { orderBy: { seq: 'desc' } } } });
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${orderId}`);
    if (order.paymentId !== null) throw new ApiError(409, 'already_paid', `order ${orderId} is paid already`);
    if (!accepts('confirm_payment', order)) {
      throw new ApiError(409, 'order_not_payable', `order is ${order.status}; a payment is confirmed for orders awaiting payment, expired or cancelled`);
    }
    if (!order.attempts.length) throw new ApiError(409, 'no_payment_attempt', 'the buyer has not started paying this order with any gateway');
    const run = { id: order.id, productId: order.productId, sku: order.product.sku, expiresAt: order.expiresAt };
    const wake = async (paymentId: number) => {
      const p = await db.payment.findUniqueOrThrow({ where: { id: paymentId } });
      await runs.paymentRecorded(run, { paymentId, provider: p.provider, txnId: p.txnId, amountCents: Number(p.amountCents), currency: p.currency });
      return p;
    };

    // the gateway's own answer first: it is proof, the operator's word is not needed
    const asked: string[] = [];
    for (const a of order.attempts) {
      const g = await gateways.get(a.provider);
      if (!g?.gateway.query) continue;
      try {
        const { paymentId, answer } = await askGateway(db, g, a);
        asked.push(`${a.provider}: ${answer.state}`);
        if (paymentId !== null) {
          await audit(db, actorOf(req), 'order.confirm_payment', { type: 'order', id: orderId }, { by: 'query', provider: a.provider, paymentId, note: body.note ?? null });
          await wake(paymentId);
          return void res.status(202).json({ orderId, confirmedBy: 'gateway', provider: a.provider, paymentId });
        }
      } catch (err) {
        asked.push(`${a.provider}: no answer (${(err as Error).message})`);
      }
    }
    if (!body.reference) {
      throw new ApiError(409, 'payment_not_found', `the gateway does not report this order paid${asked.length ? ` (${asked.join('; ')})` : ''}; give the payment's reference to confirm it by hand`, { asked });
    }
    const attempt = order.attempts[0]!;
    const stored = await recordPayment(db, {
      provider: attempt.provider, kind: 'manual', method: 'MANUAL', path: attempt.gatewayOrderNo, headers: {}, body: body.note ?? '',
    }, {
      gatewayOrderNo: attempt.gatewayOrderNo, txnId: `manual:${body.reference}`, amountMinor: Number(attempt.gatewayAmountMinor ?? order.amountCents),
      currency: attempt.gatewayCurrency ?? order.currency, verifiedBy: 'operator', confirmedBy: actorOf(req).email,
    });
    if (!stored?.payment_id || (stored.inserted === 0 && stored.prev_order_id !== orderId)) {
      throw new ApiError(409, 'transaction_reused', 'a payment with this reference is already recorded for another order');
    }
    await audit(db, actorOf(req), 'order.confirm_payment', { type: 'order', id: orderId }, { by: 'operator', reference: body.reference, paymentId: stored.payment_id, note: body.note ?? null, asked });
    await wake(stored.payment_id);
    res.status(202).json({ orderId, confirmedBy: 'operator', provider: attempt.provider, paymentId: stored.payment_id });
  });

  return router;
}
