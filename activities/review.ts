import type { Duration } from '@temporalio/common';
import type { ActivityDeps } from './deps.js';
import { ApplicationFailure } from '@temporalio/activity';
import { REVIEW_TIMEOUT_POLICY, type Decision } from '../domain/order.js';
import { shareOfAmount } from '../domain/pricing.js';
import type { Reason } from '../domain/rules.js';
import { audit } from '../infra/audit.js';
import { durationMs } from '../infra/config.js';
import { roleAtLeast, type Role } from '../domain/admin-schemas.js';
import { Prisma, type Db } from '../infra/db.js';
import { appendEvent, setOrderStatus } from '../infra/order-store.js';
import { oweRefund } from '../infra/refund-store.js';
import { activityLog } from './log.js';

type Kind = 'review' | 'backorder';

/** A decision proof older than this is refused: it was issued for a click, not kept for later. */
const PROOF_MAX_AGE_MS = 10 * 60_000;

/** Records who decided what, with the reasons and facts they were shown. Idempotent on (orderId, seq). */
export async function recordDecision(db: Db, orderId: string, seq: number, kind: Kind, d: Decision & { action: 'approve' | 'reject' }): Promise<void> {
  await db.$transaction(async (tx) => {
    const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { reviewReasons: true, ruleDecision: true } });
    const shown = { reasons: order.reviewReasons, facts: (order.ruleDecision as { facts?: unknown } | null)?.facts ?? null };
    const data = { kind, action: d.action, note: d.note ?? null, quantity: d.quantity ?? null, seq, shown };
    const before = await tx.orderEvent.count({ where: { orderId, type: 'decision', step: `${seq}` } });
    await appendEvent(tx, orderId, 'decision', data, { step: `${seq}`, actor: d.by.email });
    if (!before) {
      await audit(tx, { id: d.by.id === REVIEW_TIMEOUT_POLICY.id ? null : d.by.id, email: d.by.email }, `order.${kind}.${d.action}`, { type: 'order', id: orderId }, data);
    }
    await tx.order.update({ where: { id: orderId }, data: { reviewReasons: [], reviewSince: null, reviewDeadline: null } });
  });
}

export const createReviewActivities = ({ db, vault, merchantEmail, log }: ActivityDeps) => {
  /** Why a decision's proof does not hold, or null when it names a live session of an operator allowed to decide. */
  async function proofRefusal(orderId: string, d: Decision & { action: 'approve' | 'reject' }): Promise<string | null> {
    const p = d.proof;
    if (!p) return 'no proof of an operator session';
    if (!vault.verifyDecisionProof({ orderId, action: d.action, operatorId: d.by.id, sessionId: p.sessionId, issuedAt: p.issuedAt }, p.mac)) return 'the proof does not match this decision';
    if (Math.abs(Date.now() - p.issuedAt) > PROOF_MAX_AGE_MS) return 'the proof has expired';
    const session = await db.operatorSession.findUnique({ where: { id: p.sessionId }, include: { operator: { select: { id: true, role: true, disabled: true } } } });
    if (!session || session.operator.id !== d.by.id) return 'no such operator session';
    if (session.expiresAt.getTime() < p.issuedAt || session.operator.disabled) return 'the session has ended or the operator is disabled';
    if (!roleAtLeast(session.operator.role as Role, 'operator')) return `the ${session.operator.role} role may not decide`;
    return null;
  }

  return {
  /**
   * Puts the order in the inbox and numbers the review on the order row (one sequence across all
   * the order's runs; a decision names the review it answers). `key` identifies this opening within
   * its run, so a retried step neither counts it twice nor moves its start. Returns the number.
   */
  async beginReview(orderId: string, key: string, kind: Kind, reasons: Reason[], timeout: Duration | null): Promise<number> {
    return db.$transaction(async (tx) => {
      const [order] = await tx.$queryRaw<{ review_seq: number; review_key: string | null; review_since: Date | null }[]>`
        SELECT review_seq, review_key, review_since FROM "order" WHERE id = ${orderId} FOR UPDATE`;
      if (!order) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, 'OrderNotFound');
      const again = order.review_key === key;
      const seq = again ? order.review_seq : order.review_seq + 1;
      const since = again && order.review_since ? order.review_since : new Date();
      await tx.order.update({
        where: { id: orderId },
        data: {
          reviewSeq: seq, reviewKey: key, reviewSince: since, reviewReasons: reasons as unknown as Prisma.InputJsonValue,
          reviewDeadline: timeout === null ? null : new Date(since.getTime() + (typeof timeout === 'number' ? timeout : durationMs(timeout))),
        },
      });
      await setOrderStatus(tx, orderId, kind === 'review' ? 'in_review' : 'backorder', { data: { seq, reasons }, step: `${seq}` });
      return seq;
    });
  },

  /**
   * Records a person's decision if it proves where it came from, and tells the workflow whether it
   * counts. A decision needs the API's proof (infra/crypto.ts decisionProof) for a live session of
   * an enabled operator with the operator role; the review-timeout policy's own decisions come from
   * the workflow itself. One without is refused: the timeline says so, and the order keeps waiting.
   * Idempotent on (orderId, seq).
   */
  async acceptDecision(orderId: string, seq: number, kind: Kind, d: Decision & { action: 'approve' | 'reject' }): Promise<boolean> {
    const refusal = d.by.id === REVIEW_TIMEOUT_POLICY.id && !d.proof ? null : await proofRefusal(orderId, d);
    if (refusal) {
      activityLog(log).warn({ seq, claimedBy: d.by.email, refusal }, 'a decision without a valid operator session was ignored');
      await appendEvent(db, orderId, 'decision_refused', { seq, action: d.action, claimedBy: d.by.email, refusal }, { step: `${seq}:${d.proof?.mac.slice(0, 16) ?? 'none'}` });
      return false;
    }
    await recordDecision(db, orderId, seq, kind, d);
    return true;
  },

  /** Approving fewer keys: returns the extra held keys to stock and records the refund. Idempotent. */
  async reduceQuantity(orderId: string, quantity: number): Promise<void> {
    await db.$transaction(async (tx) => {
      const order = await tx.order.findUniqueOrThrow({ where: { id: orderId } });
      const held = await tx.cardKey.findMany({ where: { orderId, status: 'reserved' }, orderBy: { id: 'asc' }, select: { id: true } });
      const extra = held.slice(quantity).map((k) => k.id);
      if (extra.length) await tx.cardKey.updateMany({ where: { id: { in: extra } }, data: { status: 'available', orderId: null, reservedUntil: null } });
      // its share of what was charged: with a discount on the whole order, not the unit price × keys
      const refund = shareOfAmount(order.amountCents, order.quantity, order.quantity - quantity);
      await tx.order.update({ where: { id: orderId }, data: { approvedQuantity: quantity, refundCents: refund } });
      if (order.paymentId !== null && refund > 0n) await oweRefund(tx, order.paymentId, `approved ${quantity} of ${order.quantity} keys`, { step: 'approved_fewer', minor: Number(refund) });
      await appendEvent(tx, orderId, 'partially_approved', { quantity, of: order.quantity, releasedKeys: extra.length });
    });
  },

  /** Rejected or refunded: held keys go back to stock and the payment that paid it is owed back. Idempotent. */
  async closeUnfulfilled(orderId: string, outcome: 'rejected' | 'refunded', reason: string): Promise<void> {
    await db.$transaction(async (tx) => {
      const paid = await tx.payment.aggregate({ where: { orderId }, _sum: { amountCents: true } });
      const { paymentId } = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { paymentId: true } });
      if (paymentId !== null) await oweRefund(tx, paymentId, reason);
      await tx.cardKey.updateMany({ where: { orderId, status: 'reserved' }, data: { status: 'available', orderId: null, reservedUntil: null } });
      await tx.order.update({ where: { id: orderId }, data: { refundCents: paid._sum.amountCents ?? 0, reviewReasons: [] } });
      await setOrderStatus(tx, orderId, outcome, { data: { reason, refundCents: paid._sum.amountCents ?? 0 } });
    });
  },

  /**
   * Reminds the merchant that an order still waits: records the reminder, which the event stream
   * mails to the merchant and sends to linked Telegram operators (infra/events). Idempotent per
   * (orderId, seq, reminder n) through its event.
   */
  async remindMerchant(orderId: string, seq: number): Promise<void> {
    const n = await db.orderEvent.count({ where: { orderId, type: 'review_reminder', step: { startsWith: `${seq}:` } } });
    if (!merchantEmail) activityLog(log).warn({}, 'review overdue and no KAMI_MERCHANT_EMAIL to remind');
    await appendEvent(db, orderId, 'review_reminder', { to: merchantEmail ?? null }, { step: `${seq}:${n + 1}` });
  },
  };
};
