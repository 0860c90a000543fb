import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, condition, patched, proxyActivities, proxyLocalActivities,
  setHandler, upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { AfterSales, Decision, LegacyOrderInput, OrderResult, OrderView, PaymentFacts, Verdict } from '../../domain/order.js';
import { paymentMismatch } from '../../domain/order.js';
import type { OrderStatus } from '../../domain/order-status.js';
import type { Reason } from '../../domain/rules.js';
import {
  approveOrder, cancelOrder, getOrderStatus, KamiOrderStatus, KamiProductSku, KamiReviewReason, paymentConfirmed,
  rejectOrder, stockArrived,
} from '../messages.js';

// FROZEN: the order workflow as it ran before the lean spine (2026-11-28), kept step for step so runs
// started before then (their input has `sku`; orderWorkflow routes them here) and the recorded v1/v2
// histories replay. Do not change it; delete it, activities/legacy.ts and the v1/v2 histories once no
// such run can be open (see README "Changing the workflow").

// Short database steps run as local activities: no round trip through the server between them,
// which keeps payment → keys-readable fast. Each is idempotent on the order id.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', maximumInterval: '5s' },
});

/** Rules run and an order may wait for a person between payment and the key claim (issue: layered automation). */
export const RULES_AND_REVIEW_PATCH = 'kami-2026-11-rules-and-review';

/** A local activity's business failure reaches the workflow as the ApplicationFailure itself. */
const failureType = (err: unknown) => {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure ? failure.type : undefined;
};
const WAIT_FOR_STOCK: Record<string, Reason> = {
  OutOfStock: { code: 'out_of_stock', message: 'no key left to claim after payment' },
  ManualDelivery: { code: 'manual_delivery', message: 'this product is delivered by hand: enter the goods' },
};

type Pending = { kind: 'review' | 'backorder'; decision?: { action: 'approve' | 'reject' } & Decision };

/** One order: await payment → rules → (review by a person) → claim keys (or backorder) → email. */
export async function legacyOrderWorkflow(input: LegacyOrderInput): Promise<OrderResult> {
  let status: OrderStatus = 'awaiting_payment';
  let payment: PaymentFacts | undefined;
  let cancelledBy: { by: string; reason?: string } | undefined;
  let keyIds: number[] = [];
  let emailAttempts = 0;
  let reviewSeq = 0;
  let reviewReasons: Reason[] = [];
  let pending: Pending | undefined;
  let stockSignals = 0;
  const extraPayments: PaymentFacts[] = [];

  const view = (): OrderView => ({ orderId: input.orderId, status, reviewSeq, reviewReasons, keyIds, payment, emailAttempts });
  const setStatus = (next: OrderStatus) => {
    status = next;
    upsertSearchAttributes([{ key: KamiOrderStatus, value: next }]);
  };
  upsertSearchAttributes([{ key: KamiProductSku, value: input.sku }, { key: KamiOrderStatus, value: status }]);

  const rulesAndReview = patched(RULES_AND_REVIEW_PATCH);

  setHandler(getOrderStatus, view);
  setHandler(paymentConfirmed, (p) => {
    if (status === 'awaiting_payment' && !payment && !cancelledBy) {
      // before the rules existed a mismatched amount was ignored; now the rules send it to review
      if (rulesAndReview || paymentMismatch(input, p) === null) payment = p;
    } else if (payment && p.txnId !== payment.txnId && !extraPayments.some((x) => x.txnId === p.txnId)) {
      extraPayments.push(p);
    }
  });
  setHandler(cancelOrder, (c) => { cancelledBy = c; return view(); }, {
    validator: (_c) => {
      if (status !== 'awaiting_payment' || payment) {
        throw ApplicationFailure.create({ type: 'NotAwaitingPayment', message: `order is ${status}, not awaiting payment` });
      }
    },
  });
  const decide = (action: 'approve' | 'reject') => (d: Decision) => { pending!.decision = { action, ...d }; return view(); };
  const validateDecision = (d: Decision) => {
    if (!pending || pending.decision || (status !== 'in_review' && status !== 'backorder')) {
      throw ApplicationFailure.create({ type: 'NotAwaitingReview', message: `order is ${status}, not waiting for a decision` });
    }
    if (d.reviewSeq !== undefined && d.reviewSeq !== reviewSeq) {
      throw ApplicationFailure.create({ type: 'StaleDecision', message: 'the order moved on since this decision was prepared; reload it' });
    }
    if (d.quantity !== undefined && (pending.kind !== 'review' || d.quantity < 1 || d.quantity > input.quantity)) {
      throw ApplicationFailure.create({ type: 'InvalidQuantity', message: `approve between 1 and ${input.quantity} keys` });
    }
  };
  setHandler(approveOrder, decide('approve'), { validator: validateDecision });
  setHandler(rejectOrder, decide('reject'), { validator: validateDecision });
  setHandler(stockArrived, () => { stockSignals++; });

  /** Waits for a person; at the deadline applies the configured policy (or reminds and keeps waiting). */
  async function awaitPerson(kind: Pending['kind'], reasons: Reason[], verdict?: Verdict) {
    reviewSeq++;
    reviewReasons = reasons;
    pending = { kind };
    setStatus(kind === 'review' ? 'in_review' : 'backorder');
    upsertSearchAttributes([{ key: KamiReviewReason, value: reasons.map((r) => r.code) }]);
    await db.openReview(input.orderId, reviewSeq, kind, reasons, verdict?.reviewTimeout ?? null);
    for (;;) {
      const settled = () => pending!.decision !== undefined || (kind === 'backorder' && stockSignals > 0);
      if (!verdict) { await condition(settled); break; }
      if (await condition(settled, verdict.reviewTimeout)) break;
      if (verdict.onTimeout === 'remind') { await db.remindMerchant(input.orderId, reviewSeq); continue; }
      pending.decision = { action: verdict.onTimeout, by: { id: 'policy', email: 'review-timeout-policy' }, note: `review timed out after ${verdict.reviewTimeout}` };
    }
    const decision = pending.decision;
    pending = undefined;
    upsertSearchAttributes([{ key: KamiReviewReason, value: [] }]);
    if (decision) await db.recordDecision(input.orderId, reviewSeq, kind, decision);
    return decision;
  }

  /** Rejected or refunded: held keys go back to stock, the payment is owed back. */
  async function close(outcome: 'rejected' | 'refunded', reason: string) {
    await db.closeUnfulfilled(input.orderId, outcome, reason);
    setStatus(outcome);
  }

  /** Claims the order's keys, waiting on backorder while there are none; false when refunded instead. */
  async function claim(): Promise<boolean> {
    for (;;) {
      try {
        // claim before notifying: a retry after a crash must find the same keys
        keyIds = await db.claimKeys(input.orderId);
        setStatus('delivering');
        return true;
      } catch (err) {
        const wait = WAIT_FOR_STOCK[failureType(err) ?? ''];
        if (!rulesAndReview || !wait) throw err;
        // no key to claim: wait for an import or the goods entered by hand (or a refund), oldest first
        stockSignals = 0;
        const decision = await awaitPerson('backorder', [wait]);
        if (decision?.action === 'reject') {
          await close('refunded', decision.note ?? 'refunded while on backorder');
          return false;
        }
      }
    }
  }

  /** Emails the order's keys on `channel` with backoff; past the give-up period a person is asked to look. */
  async function deliver(channel: string) {
    const email = proxyActivities<Activities>({
      // an SMTP hand-off takes seconds; a lost attempt is retried after this, well inside the give-up period
      startToCloseTimeout: '20s',
      scheduleToCloseTimeout: input.timeouts.emailGiveUpAfter,
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: input.timeouts.emailRetryMaxInterval },
    });
    try {
      // the first delivery keeps its original one-argument call so recorded histories replay
      const sent = channel === 'email' ? await email.sendDeliveryEmail(input.orderId) : await email.sendDeliveryEmail(input.orderId, channel);
      emailAttempts = sent.attempts;
      await db.recordStatus(input.orderId, 'delivered');
      setStatus('delivered');
    } catch {
      // the keys stay readable on the order page; a person decides what to do about the email
      await db.recordStatus(input.orderId, 'needs_attention', 'delivery email kept failing');
      setStatus('needs_attention');
    }
  }

  /**
   * A later run of a delivered order. An invalid-key report waits for a merchant: approval voids the
   * key, claims a fresh one and sends it; rejection leaves the order as it was. A resend mails the
   * order's keys again.
   */
  async function afterSales(req: AfterSales): Promise<OrderResult> {
    status = 'delivered';
    if (req.kind === 'resend') {
      await deliver(req.channel);
      return finish();
    }
    const decision = await awaitPerson('review', [{ code: 'invalid_key_report', message: `buyer reports key #${req.keyId} invalid: ${req.reason}` }]);
    if (decision?.action === 'approve') {
      await db.voidSoldKey(input.orderId, req.keyId, `reported invalid: ${req.reason}`);
      if (await claim()) await deliver(`replace-${req.keyId}`);
    } else {
      await db.recordStatus(input.orderId, 'delivered');
      setStatus('delivered');
    }
    return finish();
  }

  if (input.afterSales) return afterSales(input.afterSales);

  if (input.latePayment) {
    await condition(() => payment !== undefined);
  } else {
    await condition(() => payment !== undefined || cancelledBy !== undefined, input.timeouts.paymentHold);
  }
  if (!payment) {
    const outcome = cancelledBy ? 'cancelled' : 'expired';
    await db.releaseHold(input.orderId, outcome, cancelledBy?.by ?? 'system');
    setStatus(outcome);
    return finish();
  }

  await db.markPaid(input.orderId, payment);
  setStatus('paid');

  if (rulesAndReview) {
    const verdict = await db.evaluateOrder(input.orderId, payment, input.latePayment ?? false);
    if (verdict.action === 'reject') {
      await close('rejected', verdict.reasons.map((r) => r.message).join('; '));
      return finish();
    }
    if (verdict.action === 'review') {
      const decision = await awaitPerson('review', verdict.reasons, verdict);
      if (decision?.action === 'reject') {
        await close('rejected', decision.note ?? 'rejected in review');
        return finish();
      }
      if (decision?.quantity !== undefined && decision.quantity < input.quantity) await db.reduceQuantity(input.orderId, decision.quantity);
    }
  } else {
    await db.checkRules(input.orderId);
  }

  if (await claim()) await deliver('email');
  return finish();

  async function finish(): Promise<OrderResult> {
    await condition(allHandlersFinished);
    // a second payment for this order must go back to the buyer; a person confirms the refund
    if (rulesAndReview && extraPayments.length) await db.flagExtraPayments(input.orderId, extraPayments);
    return view();
  }
}
