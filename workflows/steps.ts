import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, condition, patched, proxyActivities, proxyLocalActivities, setHandler,
  upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { SMS_CHANNEL } from '../domain/delivery-channels.js';
import { accepts } from '../domain/order-commands.js';
import { REVIEW_TIMEOUT_POLICY, type Decision, type DeliveryTerms, type OrderTimeouts, type OrderView, type PaymentFacts, type Verdict } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { Reason } from '../domain/rules.js';
import {
  approveOrder, cancelOrder, getOrderStatus, KamiOrderStatus, KamiReviewReason, paymentAttempted, paymentConfirmed, rejectOrder, stockArrived,
} from './messages.js';

// Database steps run as local activities: no server round trip, and their results are recorded in
// the same workflow task. Each is idempotent on the order id (and its own key where it has one).
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', maximumInterval: '5s' },
});
// The first email attempt rides in the same workflow task; SMTP's own timeouts (infra/mailer.ts)
// end it well inside this. If it fails, the durable activity below takes over with long backoff.
const firstEmail = proxyLocalActivities<Activities>({ startToCloseTimeout: '60s', retry: { maximumAttempts: 1 } });
// calls out to a payment gateway: normal activities with a few tries
const gatewayCalls = proxyActivities<Activities>({ startToCloseTimeout: '60s', retry: { initialInterval: '5s', maximumAttempts: 5 } });

/** From this patch on, a decision is recorded only with the API's proof of an operator session (acceptDecision). */
export const DECISION_PROOF_PATCH = 'kami-2026-11-decision-proof';

/** From this patch on, a rejection, a refund or a partial approval pays back through the gateway's refund API. */
export const REFUNDS_PATCH = 'kami-2026-11-refunds';

/**
 * From this patch on, a partner's order that allows splitting is delivered from stock in parts when
 * stock is short: a part now, the rest from the backorder path as keys are imported. Asked only for
 * such orders, so no other order's history carries its marker.
 */
export const SPLIT_DELIVERY_PATCH = 'kami-2026-11-split-delivery';

/**
 * From this patch on, an order whose product texts its buyers (the settle step says `sms`) gets an
 * SMS beside the email. Asked only for such orders, so no routine order's history carries its marker.
 */
export const SMS_DELIVERY_PATCH = 'kami-2026-11-sms-delivery';

/**
 * From this patch on, a manual product with a fulfilment endpoint is fulfilled by the merchant's
 * system (activities/fulfilment.ts) before a person is asked. Asked only for such orders (the claim
 * fails with MerchantFulfilment), so no other order's history carries its marker.
 */
export const MERCHANT_FULFILMENT_PATCH = 'kami-2026-11-merchant-fulfilment';

/**
 * From this patch on, a device-bound product delivered from stock binds the buyer's device to the
 * order's key before the first delivery, or delivers the code bound before (infra/device-binding.ts).
 * Asked only for such orders (the settle step says `device`).
 */
export const DEVICE_BINDING_PATCH = 'kami-2026-11-device-binding';

/**
 * From this patch on, a manual product's order waiting for its goods past the product's SLA escalates
 * once: the inbox flags it (its review deadline) and the merchant is told (a review_reminder notice).
 * Asked only when the product has an SLA (the claim's failure carries it).
 */
export const MANUAL_SLA_PATCH = 'kami-2026-11-manual-sla';

/** Statuses of the routine path: an order that only passes through them never upserts a search attribute. */
const ROUTINE: readonly OrderStatus[] = ['awaiting_payment', 'paid', 'delivering', 'delivered', 'expired', 'cancelled'];

const UNPAID: readonly OrderStatus[] = ['awaiting_payment', 'expired', 'cancelled'];

/** A local activity's business failure reaches the workflow as the ApplicationFailure itself. */
const failureType = (err: unknown) => {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure ? failure.type : undefined;
};
const WAIT_FOR_STOCK: Record<string, Reason> = {
  OutOfStock: { code: 'out_of_stock', message: 'no key left to claim after payment' },
  ManualDelivery: { code: 'manual_delivery', message: 'this product is delivered by hand: enter the goods' },
};

/** The delivery SLA a manual product's claim failure carries (activities/stock.ts), if any. */
const slaOf = (err: unknown): Duration | undefined => {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  const d: unknown = failure instanceof ApplicationFailure ? failure.details?.[0] : undefined;
  return d && typeof d === 'object' && typeof (d as { sla?: unknown }).sla === 'string' ? (d as { sla: Duration }).sla : undefined;
};

type Pending = { kind: 'review' | 'backorder'; partial: boolean; decision?: { action: 'approve' | 'reject' } & Decision };

/**
 * The state and the named steps an order's runs share (orderWorkflow and afterSalesWorkflow):
 * message handlers, waiting for a person, claiming keys, delivering them, closing unfulfilled.
 * Call once at the top of a workflow function; it registers the handlers.
 */
export function orderSteps(orderId: string, productId: string, timeouts: OrderTimeouts) {
  const s = {
    status: 'awaiting_payment' as OrderStatus,
    /** Keys the order is for (approved quantity once a person chose fewer). */
    quantity: 0,
    reviewSeq: 0,
    reviewReasons: [] as Reason[],
    keyIds: [] as number[],
    payment: undefined as PaymentFacts | undefined,
    /** A partner's order: how it is delivered (from its row, through the settle step); undefined for retail. */
    terms: undefined as DeliveryTerms | undefined,
    /** The buyer is texted too (from the settle step); false for every other order. */
    sms: false,
    /** A device-bound product delivered from stock (from the settle step): the first delivery binds the device. */
    device: false,
    emailAttempts: 0,
    /** Stored payments signalled (or found) and not yet settled, in arrival order. */
    payments: [] as { paymentId: number }[],
    /** Open payment attempts on gateways Kami can ask about them (the run polls them while awaiting payment). */
    attempts: [] as number[],
    cancel: undefined as { by: string; reason?: string } | undefined,
  };
  const signalled = new Set<number>();
  let pending: Pending | undefined;
  let stockSignals = 0;
  let offRoutine = false;
  let reviewsOpened = 0;

  const view = (): OrderView => ({
    orderId, status: s.status, reviewSeq: s.reviewSeq, reviewReasons: s.reviewReasons, keyIds: s.keyIds, payment: s.payment, emailAttempts: s.emailAttempts,
  });
  const setStatus = (next: OrderStatus) => {
    s.status = next;
    if (offRoutine || !ROUTINE.includes(next)) {
      offRoutine = true;
      upsertSearchAttributes([{ key: KamiOrderStatus, value: next }]);
    }
  };

  setHandler(getOrderStatus, view);
  setHandler(paymentConfirmed, (p) => {
    // a message without a reference to a stored payment proves nothing (e.g. one typed into the Temporal UI)
    if (!Number.isSafeInteger(p?.paymentId) || signalled.has(p.paymentId)) return;
    signalled.add(p.paymentId);
    s.payments.push({ paymentId: p.paymentId });
  });
  setHandler(paymentAttempted, ({ attemptId }) => {
    if (Number.isSafeInteger(attemptId) && !s.attempts.includes(attemptId)) s.attempts.push(attemptId);
  });
  setHandler(cancelOrder, async (c) => {
    s.cancel = c;
    await condition(() => s.status !== 'awaiting_payment');
    return view();
  }, {
    validator: (_c) => {
      if (!accepts('cancel', s) || s.payments.length || s.cancel) {
        throw ApplicationFailure.create({ type: 'NotAwaitingPayment', message: `order is ${s.status}, not awaiting payment` });
      }
    },
  });
  const decide = (action: 'approve' | 'reject') => (d: Decision) => { pending!.decision = { action, ...d }; return view(); };
  const validateDecision = (action: 'approve' | 'reject') => (d: Decision) => {
    // only this workflow decides as the review-timeout policy
    if (d.by?.id === REVIEW_TIMEOUT_POLICY.id) throw ApplicationFailure.create({ type: 'NotAwaitingReview', message: 'the review-timeout policy is not a person' });
    if (!pending || pending.decision || !accepts(action, s)) {
      throw ApplicationFailure.create({ type: 'NotAwaitingReview', message: `order is ${s.status}, not waiting for a decision` });
    }
    if (d.reviewSeq !== undefined && d.reviewSeq !== s.reviewSeq) {
      throw ApplicationFailure.create({ type: 'StaleDecision', message: 'the order moved on since this decision was prepared; reload it' });
    }
    if (d.quantity !== undefined && (!pending.partial || d.quantity < 1 || d.quantity > s.quantity)) {
      throw ApplicationFailure.create({ type: 'InvalidQuantity', message: pending.partial ? `approve between 1 and ${s.quantity} keys` : 'this decision takes no quantity' });
    }
  };
  setHandler(approveOrder, decide('approve'), { validator: validateDecision('approve') });
  setHandler(rejectOrder, decide('reject'), { validator: validateDecision('reject') });
  setHandler(stockArrived, () => { stockSignals++; });

  /** Applies one signalled payment as the stored rows prove it (see activities/payment.ts). */
  const settle = (p: { paymentId: number }) => db.settlePayment(orderId, productId, p.paymentId);

  /**
   * Waits for a person. The review number comes from the order row (one sequence across all the
   * order's runs), so a decision prepared for an earlier review is refused as stale. At the
   * deadline the configured policy applies (or the merchant is reminded and it keeps waiting).
   */
  async function awaitPerson(kind: Pending['kind'], reasons: Reason[], opts: { verdict?: Verdict; partial?: boolean; sla?: Duration } = {}) {
    const { verdict } = opts;
    pending = { kind, partial: opts.partial ?? false };
    s.reviewReasons = reasons;
    reviewsOpened++;
    s.reviewSeq = await db.beginReview(orderId, `${workflowInfo().runId}:${reviewsOpened}`, kind, reasons, verdict?.reviewTimeout ?? opts.sla ?? null);
    let sla = opts.sla;
    setStatus(kind === 'review' ? 'in_review' : 'backorder');
    upsertSearchAttributes([{ key: KamiReviewReason, value: reasons.map((r) => r.code) }]);
    for (;;) {
      const settled = () => pending!.decision !== undefined || (kind === 'backorder' && stockSignals > 0);
      if (!verdict && sla !== undefined) {
        // past the product's delivery SLA: escalate once, then keep waiting
        if (!(await condition(settled, sla))) {
          await db.escalateManualDelivery(orderId, s.reviewSeq, sla);
          sla = undefined;
          continue;
        }
      } else if (!verdict) await condition(settled);
      else if (!(await condition(settled, verdict.reviewTimeout))) {
        if (verdict.onTimeout === 'remind') { await db.remindMerchant(orderId, s.reviewSeq); continue; }
        pending.decision = { action: verdict.onTimeout, by: REVIEW_TIMEOUT_POLICY, note: `review timed out after ${verdict.reviewTimeout}` };
      }
      const decision = pending.decision;
      if (!decision) break; // stock arrived for a backorder
      // runs from before decision proofs record as they did
      if (!patched(DECISION_PROOF_PATCH)) { await db.recordDecision(orderId, s.reviewSeq, kind, decision); break; }
      // a decision counts only with the API's proof of a live operator session; otherwise keep waiting
      if (await db.acceptDecision(orderId, s.reviewSeq, kind, decision)) break;
      pending.decision = undefined;
    }
    const decision = pending.decision;
    pending = undefined;
    upsertSearchAttributes([{ key: KamiReviewReason, value: [] }]);
    return decision;
  }

  /** Rejected or refunded: held keys go back to stock, the payment is owed back and paid back. */
  async function close(outcome: 'rejected' | 'refunded', reason: string) {
    await db.closeUnfulfilled(orderId, outcome, reason);
    setStatus(outcome);
    await refund();
  }

  /**
   * Pays back what the order owes, through the gateway where it can (a few tries; a gateway that
   * keeps refusing leaves it to a person). Runs from before refunds left it to a person.
   */
  async function refund() {
    if (!patched(REFUNDS_PATCH)) return;
    try {
      await gatewayCalls.issueRefunds(orderId);
    } catch (err) {
      await db.refundsByHand(orderId, err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * Claims the order's keys, waiting on backorder while there are none; false when refunded instead.
   * A split order takes what there is each time (every part recorded as an event), and when a person
   * refunds the rest it keeps the parts it received.
   */
  async function claim(): Promise<boolean> {
    const split = () => s.terms?.split === true && patched(SPLIT_DELIVERY_PATCH);
    for (;;) {
      let wait: Reason;
      let sla: Duration | undefined;
      try {
        if (split()) {
          const part = await db.claimPart(orderId);
          s.keyIds = part.keyIds;
          if (part.done) {
            setStatus('delivering');
            return true;
          }
          wait = { code: 'out_of_stock', message: `${part.keyIds.length} of ${part.want} keys delivered; the rest follows as keys are imported` };
        } else {
          s.keyIds = await db.claimKeys(orderId);
          setStatus('delivering');
          return true;
        }
      } catch (err) {
        const type = failureType(err);
        sla = slaOf(err);
        const merchant = type === 'MerchantFulfilment' && patched(MERCHANT_FULFILMENT_PATCH);
        const reason = merchant ? await fulfil() : WAIT_FOR_STOCK[type === 'MerchantFulfilment' ? 'ManualDelivery' : type ?? ''];
        if (merchant && !reason) {
          setStatus('delivering');
          return true;
        }
        if (!reason) throw err;
        wait = reason;
      }
      // no key (or not every key) to claim: wait for an import or the goods entered by hand (or a refund), oldest first
      stockSignals = 0;
      const decision = await awaitPerson('backorder', [wait], sla !== undefined && patched(MANUAL_SLA_PATCH) ? { sla } : {});
      if (decision?.action === 'reject') {
        if (s.keyIds.length && split()) {
          s.keyIds = await db.closeSplitRemainder(orderId, decision.note ?? 'the rest refunded while on backorder');
          s.quantity = s.keyIds.length;
          setStatus('delivering');
          await refund();
          return true;
        }
        await close('refunded', decision.note ?? 'refunded while on backorder');
        return false;
      }
    }
  }

  /**
   * The merchant's system fulfils the order (a durable activity, retried with backoff for
   * `fulfilmentGiveUpAfter`); undefined once fulfilled (its receipt is the order's sold row),
   * otherwise why a person must look: it refused, or kept failing. A person then retries (approve:
   * the claim, and so this call, runs again) or enters the goods by hand.
   */
  async function fulfil(): Promise<Reason | undefined> {
    const merchant = proxyActivities<Activities>({
      // longer than one call may take (activities/fulfilment.ts FULFILMENT_CALL_MAX_MS)
      startToCloseTimeout: '15s',
      scheduleToCloseTimeout: timeouts.fulfilmentGiveUpAfter ?? '30m',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
    });
    try {
      const r = await merchant.fulfilOrder(orderId);
      if (r.outcome === 'fulfilled') {
        s.keyIds = r.keyIds;
        return undefined;
      }
      return { code: 'merchant_refused', message: `the merchant's system refused it (${r.reason.slice(0, 200)}): retry fulfilment, or enter the goods` };
    } catch (err) {
      const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
      await db.recordFulfilmentFailed(orderId, cause);
      return { code: 'merchant_failed', message: 'the merchant\'s system kept failing: retry fulfilment, or enter the goods' };
    }
  }

  /**
   * Sends the order's keys on `channel` (`email`, `resend-n`, `replace-<keyId>`) and records the
   * order delivered. The first attempt runs in this workflow task; a failure hands over to a durable
   * activity with backoff; past the give-up period a person is asked to look (keys stay readable).
   */
  async function deliver(channel: string) {
    // a partner's keys are not emailed unless it asked: it reads them through its API, so they are delivered now
    if (channel === 'email' && s.terms?.emailKeys === false) {
      await db.recordStatus(orderId, 'delivered');
      setStatus('delivered');
      return;
    }
    try {
      const sent = await firstEmail.deliverKeys(orderId, channel);
      s.emailAttempts = sent.attempts;
      setStatus('delivered');
      return;
    } catch {
      // SMTP refused or timed out: the durable path below retries
    }
    const email = proxyActivities<Activities>({
      // longer than the delivery lease: a retry never starts while an attempt may still be handing off
      startToCloseTimeout: '90s',
      scheduleToCloseTimeout: timeouts.emailGiveUpAfter,
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: timeouts.emailRetryMaxInterval },
    });
    try {
      const sent = await email.deliverKeys(orderId, channel);
      s.emailAttempts = sent.attempts;
      setStatus('delivered');
    } catch {
      await db.recordStatus(orderId, 'needs_attention', 'delivery email kept failing');
      setStatus('needs_attention');
    }
  }

  /** The order's first delivery: the email, and for an order whose buyer is texted an SMS beside it (neither waits for the other). */
  async function deliverFirst() {
    if (s.device && patched(DEVICE_BINDING_PATCH)) s.keyIds = await db.bindDevice(orderId);
    if (s.sms && patched(SMS_DELIVERY_PATCH)) await Promise.all([deliver('email'), deliverSms(SMS_CHANNEL)]);
    else await deliver('email');
  }

  /**
   * Texts the order's keys (or its page's link) on `channel` (`sms`, `sms-resend-n`). A durable
   * activity from the first attempt: the provider's "not sent" is retried with backoff for the same
   * period as the email; a refusal for good, or a send whose outcome is unknown, is recorded by the
   * activity and not retried (at most once). The order's status is the email's: keys stay readable.
   */
  async function deliverSms(channel: string) {
    const sms = proxyActivities<Activities>({
      // longer than the SMS lease (activities/delivery-sms.ts): a retry never starts while an attempt may still be sending
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: timeouts.emailGiveUpAfter,
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: timeouts.emailRetryMaxInterval },
    });
    try {
      await sms.deliverSms(orderId, channel);
    } catch {
      // refused or unsure (recorded already), or still failing at the give-up period: recorded now
      await db.recordSmsGaveUp(orderId, channel);
    }
  }

  /**
   * Ends a run: lets running handlers answer, then settles payments that arrived for an order that
   * had been paid already (the settle step finds them extra and flags them for a refund). A payment
   * for an order closed unpaid is left to a new run (the webhook's Signal-With-Start, or the
   * worker's sweep of unapplied payments), where it goes to review as a late payment.
   */
  async function finish(): Promise<OrderView> {
    await condition(allHandlersFinished);
    if (!UNPAID.includes(s.status) && s.payments.length) {
      for (let p = s.payments.shift(); p; p = s.payments.shift()) await settle(p);
      await refund();
    }
    return view();
  }

  return { orderId, s, view, setStatus, settle, awaitPerson, close, refund, claim, deliver, deliverFirst, deliverSms, finish };
}
export type OrderSteps = ReturnType<typeof orderSteps>;
