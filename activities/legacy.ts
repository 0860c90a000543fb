import { ApplicationFailure } from '@temporalio/activity';
import type { Duration } from '@temporalio/common';
import type { ActivityDeps } from './deps.js';
import type { Decision, PaymentFacts, Verdict } from '../domain/order.js';
import { evaluateRules, timeoutOutcome, type Reason } from '../domain/rules.js';
import { durationMs } from '../infra/config.js';
import { Prisma } from '../infra/db.js';
import { appendEvent, flagExtraPayment, setOrderStatus } from '../infra/order-store.js';
import { settleFacts } from '../infra/settle-store.js';
import { createDeliveryActivities } from './delivery.js';
import { recordDecision } from './review.js';

/**
 * Steps only the frozen pre-lean-spine workflow (workflows/legacy/order-v2.ts) calls, kept so its
 * runs still open at an upgrade finish. Delete with that file.
 */
export const createLegacyActivities = (deps: ActivityDeps) => ({
  /** Idempotent on orderId: marks the order paid and records which notification paid it. */
  async markPaid(orderId: string, payment: PaymentFacts): Promise<void> {
    await deps.db.$transaction(async (tx) => {
      if (payment.account) await tx.order.update({ where: { id: orderId }, data: { paymentAccount: payment.account } });
      await setOrderStatus(tx, orderId, 'paid', { data: { provider: payment.provider, txnId: payment.txnId, amountCents: payment.amountCents } });
    });
  },

  /** The always-deliver rule step of the first workflow version. */
  async checkRules(orderId: string): Promise<{ action: 'deliver' }> {
    await appendEvent(deps.db, orderId, 'rules_checked', { action: 'deliver', policy: 'always-deliver' });
    return { action: 'deliver' };
  },

  /** Idempotent on orderId: returns the order's held keys to stock and closes it as expired or cancelled. */
  async releaseHold(orderId: string, outcome: 'expired' | 'cancelled', actor: string): Promise<number> {
    return deps.db.$transaction(async (tx) => {
      const released = await tx.cardKey.updateMany({ where: { orderId, status: 'reserved' }, data: { status: 'available', orderId: null, reservedUntil: null } });
      await setOrderStatus(tx, orderId, outcome, { data: { releasedKeys: released.count, by: actor } });
      return released.count;
    });
  },

  /** Runs the rule book over the same facts the settle step reads, and records the decision. */
  async evaluateOrder(orderId: string, payment: PaymentFacts, afterExpiry: boolean): Promise<Verdict> {
    const { db } = deps;
    const stored = await db.payment.findUnique({ where: { provider_txnId: { provider: payment.provider, txnId: payment.txnId } }, select: { id: true } });
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { productId: true } });
    const rules = await deps.rules.forProduct(order.productId);
    const f = await settleFacts(db, orderId, stored?.id ?? -1, rules.settings);
    if (!f) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, 'OrderNotFound');
    const facts = {
      quantity: f.quantity, amountCents: f.amount_cents, currency: f.currency,
      payment: { amountCents: payment.amountCents, currency: payment.currency, afterExpiry },
      priorPaidOrders: f.prior, recentOrders: f.recent, recentUnpaid: f.unpaid, recentOrdersFromIp: f.from_ip, duplicatePaidOrders: f.dup,
      boughtInLimitWindow: f.bought,
      blacklistHits: f.blacklist.map((h) => ({ kind: h.slice(0, h.indexOf(' ')) as never, value: h.slice(h.indexOf(' ') + 1) })),
    };
    const decision = evaluateRules(facts, rules.settings);
    await db.$transaction(async (tx) => {
      const record = { ...decision, facts, settingsVersion: rules.version, evaluatedAt: new Date().toISOString() };
      await tx.order.update({ where: { id: orderId }, data: { ruleDecision: record as unknown as Prisma.InputJsonValue } });
      await appendEvent(tx, orderId, 'rules_checked', { action: decision.action, reasons: decision.reasons, settingsVersion: rules.version });
    });
    return {
      action: decision.action, reasons: decision.reasons,
      reviewTimeout: rules.settings.reviewTimeout as Verdict['reviewTimeout'], onTimeout: timeoutOutcome(rules.settings, f.amount_cents),
    };
  },

  /**
   * Puts the order in the inbox under the run's own review number (these runs count reviews per
   * run), which the order row then carries so the panel's decision names what the run expects.
   */
  async openReview(orderId: string, seq: number, kind: 'review' | 'backorder', reasons: Reason[], timeout: Duration | null): Promise<void> {
    const now = new Date();
    await deps.db.$transaction(async (tx) => {
      await tx.order.update({
        where: { id: orderId },
        data: {
          reviewSeq: seq, reviewReasons: reasons as unknown as Prisma.InputJsonValue, reviewSince: now,
          reviewDeadline: timeout === null ? null : new Date(now.getTime() + (typeof timeout === 'number' ? timeout : durationMs(timeout))),
        },
      });
      await setOrderStatus(tx, orderId, kind === 'review' ? 'in_review' : 'backorder', { data: { seq, reasons }, step: `${seq}` });
    });
  },

  /** Records a decision as these runs did, without asking for a proof of the operator's session. */
  recordDecision: (orderId: string, seq: number, kind: 'review' | 'backorder', d: Decision & { action: 'approve' | 'reject' }) =>
    recordDecision(deps.db, orderId, seq, kind, d),

  async flagExtraPayments(orderId: string, payments: PaymentFacts[]): Promise<void> {
    for (const p of payments) await flagExtraPayment(deps.db, orderId, null, p);
  },

  /** The email step under its first name; it now also records the order delivered. */
  sendDeliveryEmail: createDeliveryActivities(deps).deliverKeys,
});
