import type { Duration } from '@temporalio/common';
import type { ActivityDeps } from './deps.js';
import type { Decision, PaymentFacts, Verdict } from '../domain/order.js';
import { evaluateRules, timeoutOutcome, type Reason } from '../domain/rules.js';
import { audit } from '../infra/audit.js';
import { gatherFacts } from '../infra/buyer-facts.js';
import { durationMs } from '../infra/config.js';
import { Prisma } from '../infra/db.js';
import { appendEvent, flagExtraPayment, setOrderStatus } from '../infra/order-store.js';
import { effectiveRules } from '../infra/rules-store.js';

type Kind = 'review' | 'backorder';

export const createReviewActivities = ({ db, mailer, merchantEmail, publicUrl, log }: ActivityDeps) => ({
  /**
   * Gathers the facts, runs the rule book and records the decision (facts and settings versions
   * included) on the order. Idempotent on orderId: a retry re-evaluates and overwrites the same record.
   */
  async evaluateOrder(orderId: string, payment: PaymentFacts, afterExpiry: boolean): Promise<Verdict> {
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { productId: true } });
    const rules = await effectiveRules(db, order.productId);
    const facts = await gatherFacts(db, orderId, rules.settings, { amountCents: payment.amountCents, currency: payment.currency, afterExpiry });
    const decision = evaluateRules(facts, rules.settings);
    const record = { ...decision, facts, settingsVersion: rules.version, evaluatedAt: new Date().toISOString() };
    await db.$transaction(async (tx) => {
      await tx.order.update({ where: { id: orderId }, data: { ruleDecision: record as unknown as Prisma.InputJsonValue } });
      await appendEvent(tx, orderId, 'rules_checked', { action: decision.action, reasons: decision.reasons, settingsVersion: rules.version });
    });
    return {
      action: decision.action, reasons: decision.reasons,
      reviewTimeout: rules.settings.reviewTimeout as Verdict['reviewTimeout'],
      onTimeout: timeoutOutcome(rules.settings, facts.amountCents),
    };
  },

  /** Puts the order in the inbox. Idempotent on (orderId, seq). */
  async openReview(orderId: string, seq: number, kind: Kind, reasons: Reason[], timeout: Duration | null): Promise<void> {
    const now = new Date();
    await db.$transaction(async (tx) => {
      await tx.order.update({
        where: { id: orderId },
        data: {
          reviewReasons: reasons as unknown as Prisma.InputJsonValue, reviewSince: now,
          reviewDeadline: timeout === null ? null : new Date(now.getTime() + (typeof timeout === 'number' ? timeout : durationMs(timeout))),
        },
      });
      await setOrderStatus(tx, orderId, kind === 'review' ? 'in_review' : 'backorder', { data: { seq, reasons }, step: `${seq}` });
    });
  },

  /** Records who decided what, with the reasons and facts they were shown. Idempotent on (orderId, seq). */
  async recordDecision(orderId: string, seq: number, kind: Kind, d: Decision & { action: 'approve' | 'reject' }): Promise<void> {
    await db.$transaction(async (tx) => {
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { reviewReasons: true, ruleDecision: true } });
      const shown = { reasons: order.reviewReasons, facts: (order.ruleDecision as { facts?: unknown } | null)?.facts ?? null };
      const data = { kind, action: d.action, note: d.note ?? null, quantity: d.quantity ?? null, seq, shown };
      const before = await tx.orderEvent.count({ where: { orderId, type: 'decision', step: `${seq}` } });
      await appendEvent(tx, orderId, 'decision', data, { step: `${seq}`, actor: d.by.email });
      if (!before) {
        await audit(tx, { id: d.by.id === 'policy' ? null : d.by.id, email: d.by.email }, `order.${kind}.${d.action}`, { type: 'order', id: orderId }, data);
      }
      await tx.order.update({ where: { id: orderId }, data: { reviewReasons: [], reviewSince: null, reviewDeadline: null } });
    });
  },

  /** Approving fewer keys: returns the extra held keys to stock and records the refund. Idempotent. */
  async reduceQuantity(orderId: string, quantity: number): Promise<void> {
    await db.$transaction(async (tx) => {
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId } });
      const held = await tx.cardKey.findMany({ where: { orderId, status: 'reserved' }, orderBy: { id: 'asc' }, select: { id: true } });
      const extra = held.slice(quantity).map((k) => k.id);
      if (extra.length) await tx.cardKey.updateMany({ where: { id: { in: extra } }, data: { status: 'available', orderId: null, reservedUntil: null } });
      await tx.order.update({ where: { id: orderId }, data: { approvedQuantity: quantity, refundCents: order.unitPriceCents * (order.quantity - quantity) } });
      await appendEvent(tx, orderId, 'partially_approved', { quantity, of: order.quantity, releasedKeys: extra.length });
    });
  },

  /** Rejected or refunded: held keys go back to stock and the paid amount is owed back. Idempotent. */
  async closeUnfulfilled(orderId: string, outcome: 'rejected' | 'refunded', reason: string): Promise<void> {
    await db.$transaction(async (tx) => {
      const paid = await tx.payment.aggregate({ where: { orderId }, _sum: { amountCents: true } });
      await tx.cardKey.updateMany({ where: { orderId, status: 'reserved' }, data: { status: 'available', orderId: null, reservedUntil: null } });
      await tx.order.update({ where: { id: orderId }, data: { refundCents: paid._sum.amountCents ?? 0, reviewReasons: [] } });
      await setOrderStatus(tx, orderId, outcome, { data: { reason, refundCents: paid._sum.amountCents ?? 0 } });
    });
  },

  /** Reminds the merchant that an order still waits. Idempotent per (orderId, seq, reminder n) through its event. */
  async remindMerchant(orderId: string, seq: number): Promise<void> {
    const n = await db.orderEvent.count({ where: { orderId, type: 'review_reminder', step: { startsWith: `${seq}:` } } });
    if (merchantEmail) {
      await mailer.send({
        to: merchantEmail, messageId: `<${orderId}.review-${seq}-${n + 1}@kami>`,
        subject: `Order ${orderId} is still waiting for your decision`,
        text: `Order ${orderId} has been waiting for review past its deadline.\nDecide it in the inbox: ${publicUrl}/admin/#/reviews`,
        html: `<p>Order <code>${orderId}</code> has been waiting for review past its deadline.</p><p><a href="${publicUrl}/admin/#/reviews">Open the inbox</a></p>`,
      });
    } else {
      log.warn({ orderId }, 'review overdue and no KAMI_MERCHANT_EMAIL to remind');
    }
    await appendEvent(db, orderId, 'review_reminder', { to: merchantEmail ?? null }, { step: `${seq}:${n + 1}` });
  },

  /** Payments beyond the one that paid the order are owed back: flag them for a person. Idempotent. */
  async flagExtraPayments(orderId: string, payments: PaymentFacts[]): Promise<void> {
    for (const p of payments) await flagExtraPayment(db, orderId, p);
  },
});
