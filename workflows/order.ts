import { condition, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { durationToMs } from '../domain/duration.js';
import type { LegacyOrderInput, OrderInput, OrderResult, Settlement } from '../domain/order.js';
import { legacyOrderWorkflow } from './legacy/order-v2.js';
import { orderSteps, type OrderSteps } from './steps.js';

const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', maximumInterval: '5s' },
});
// asking a gateway is a call out: a normal activity, a few tries; a gateway that stays down is asked again at the next poll
const gateway = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '2s', maximumAttempts: 3 } });

/**
 * One order: payment → rules and key claim → (a person, when a rule or stock says so) → delivery.
 * Checkout starts the run with a start delay that ends with the payment hold, so an unpaid order
 * costs nothing until then; the payment's Signal-With-Start wakes it, and a routine order then
 * finishes in that one workflow task: settle (rules + claim) and deliver, two local activities
 * (a product that texts its buyers adds the SMS, a durable activity beside the email).
 */
export async function orderWorkflow(input: OrderInput | LegacyOrderInput): Promise<OrderResult> {
  // Runs started before the lean spine carry the old input (with `sku`) and replay the frozen code.
  // The change sits at the very start of a run, where its input tells old from new deterministically;
  // a patched() marker here would cost every routine order a marker and core's TemporalChangeVersion
  // search-attribute upsert (two history events and a visibility write). patched() stays the tool for
  // changes inside a run's steps.
  if (isLegacy(input)) return legacyOrderWorkflow(input);
  const { orderId, productId, expiresAt, timeouts } = input;
  const o = orderSteps(orderId, productId, timeouts);

  const settled = await awaitPayment(o, Date.parse(expiresAt), (timeouts.queryEvery ?? []).map(durationToMs));
  if (!settled) return o.finish();
  o.s.payment = settled.payment;
  o.s.quantity = 'quantity' in settled ? settled.quantity : 0;
  o.s.terms = 'terms' in settled ? settled.terms : undefined;
  o.s.sms = 'sms' in settled && settled.sms === true;
  o.s.device = 'device' in settled && settled.device === true;

  switch (settled.outcome) {
    case 'extra':
      await o.refund();
      return o.finish();
    case 'deliver':
      o.s.keyIds = settled.keyIds;
      o.setStatus('delivering');
      await o.deliverFirst();
      return o.finish();
    case 'reject':
      o.setStatus('paid');
      await o.close('rejected', settled.verdict.reasons.map((r) => r.message).join('; '));
      return o.finish();
    case 'review': {
      o.setStatus('paid');
      const decision = await o.awaitPerson('review', settled.verdict.reasons, { verdict: settled.verdict, partial: true });
      if (decision?.action === 'reject') {
        await o.close('rejected', decision.note ?? 'rejected in review');
        return o.finish();
      }
      if (decision?.quantity !== undefined && decision.quantity < o.s.quantity) {
        await db.reduceQuantity(orderId, decision.quantity);
        o.s.quantity = decision.quantity;
        await o.refund();
      }
      break;
    }
    case 'claim':
      o.setStatus('paid');
  }
  if (await o.claim()) await o.deliverFirst();
  return o.finish();
}

const isLegacy = (input: OrderInput | LegacyOrderInput): input is LegacyOrderInput => 'sku' in input;

/**
 * Waits for a payment the database proves, a cancellation or the end of the hold. While an attempt
 * is open on a gateway Kami can ask, it asks on `schedule` (the last interval repeating) and once more
 * as the hold ends: a paid answer is stored like a notification, and settled like one. Closing an
 * unpaid order is a compare-and-set that a recorded payment wins: the order then settles that
 * payment. Returns undefined once the order is closed unpaid.
 */
async function awaitPayment(o: OrderSteps, expiresAt: number, schedule: number[]): Promise<Exclude<Settlement, { outcome: 'unverified' }> | undefined> {
  const { s } = o;
  let polls = 0;
  let askedAtEnd = false;
  const ask = async () => {
    for (const attemptId of [...s.attempts]) {
      try {
        const r = await gateway.queryAttempt(attemptId);
        if (r.paymentId !== null) s.payments.push({ paymentId: r.paymentId });
        if (!r.open) s.attempts = s.attempts.filter((a) => a !== attemptId);
      } catch {
        // the gateway did not answer: asked again at the next poll
      }
    }
  };
  for (;;) {
    const next = s.payments.shift();
    if (next) {
      const settled = await o.settle(next);
      if (settled.outcome !== 'unverified') return settled;
      continue; // not a payment of this order: nothing happened
    }
    if (s.status !== 'awaiting_payment') return undefined;
    const remaining = expiresAt - Date.now();
    const arrived = () => s.payments.length > 0 || s.cancel !== undefined;
    if (!s.cancel && remaining > 0) {
      const poll = s.attempts.length && schedule.length ? schedule[Math.min(polls, schedule.length - 1)]! : Infinity;
      if (!(await condition(arrived, Math.min(remaining, poll))) && poll <= remaining) {
        polls++;
        await ask();
      }
      continue;
    }
    if (!s.cancel && s.attempts.length && !askedAtEnd) {
      askedAtEnd = true; // one last question before the hold closes
      await ask();
      continue;
    }
    const closed = await db.closeUnpaid(o.orderId, s.cancel ? 'cancelled' : 'expired', s.cancel?.by ?? 'system');
    if (closed.pendingPaymentId !== null) s.payments.push({ paymentId: closed.pendingPaymentId });
    else o.setStatus(closed.status);
  }
}
