import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import { RETAIL_CHANNEL } from '../domain/channels.js';
import type { DeliveryExtras, DeliveryTerms, PaymentFacts, Settlement, Verdict } from '../domain/order.js';
import { KEYS_READABLE, type OrderStatus } from '../domain/order-status.js';
import { evaluateRules, timeoutOutcome, type Reason, type RuleFacts, type RuleSettings } from '../domain/rules.js';
import type { IdentityKind } from '../domain/identity.js';
import { paymentToReadable, settleDuration } from '../infra/metrics.js';
import { flagExtraPayment } from '../infra/order-store.js';
import { settle, settleFacts, type SettleFacts } from '../infra/settle-store.js';

/** Statuses a verified payment can pay: on time, or late (after expiry or cancellation: a person looks). */
const PAYABLE: readonly OrderStatus[] = ['awaiting_payment', 'expired', 'cancelled'];

const verdictOf = (s: RuleSettings, action: Verdict['action'], reasons: Reason[], amountCents: number): Verdict => ({
  action, reasons, reviewTimeout: s.reviewTimeout as Verdict['reviewTimeout'], onTimeout: timeoutOutcome(s, amountCents),
});

export const createPaymentActivities = ({ db, rules }: ActivityDeps) => ({
  /**
   * The order's routine step after payment, one local activity: reads the order, the stored payment
   * `paymentId` names and the buyer's history in one statement; runs the rule book; and settles in
   * one statement: payment applied, order paid, and on *deliver* its held keys sold and readable.
   * Acts only on what the rows prove: a reference to no stored payment of this order changes nothing
   * ('unverified'); a payment for an order already paid is extra (flagged for a refund). Idempotent:
   * a retry after the settle committed answers from the stored decision.
   */
  settlePayment: timed(async (orderId: string, productId: string, paymentId: number): Promise<Settlement> => {
    let channel = RETAIL_CHANNEL;
    let effective = await rules.forProduct(productId);
    let f = await settleFacts(db, orderId, paymentId, effective.settings);
    // a partner's order: read again through its channel's rule layer (the row says which channel)
    if (f && f.channel_id !== RETAIL_CHANNEL) {
      channel = f.channel_id;
      effective = await rules.forProduct(productId, channel);
      f = await settleFacts(db, orderId, paymentId, effective.settings, effective.countIn ?? null);
    }
    const seen = (x: SettleFacts) => ({ global: x.global_rules_version, product: x.product_rules_version, ...(channel === RETAIL_CHANNEL ? {} : { channel: x.channel_rules_version }) });
    if (f && !rules.isCurrent(productId, effective, seen(f))) {
      effective = await rules.forProduct(productId, channel);
      f = await settleFacts(db, orderId, paymentId, effective.settings, effective.countIn ?? null);
    }
    if (!f) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, 'OrderNotFound');
    const delivery = deliveryOf(f);
    if (f.pay_order_id !== orderId) {
      return { outcome: 'unverified', reason: f.pay_order_id === null ? `no stored payment #${paymentId}` : `payment #${paymentId} belongs to another order` };
    }
    const payment: PaymentFacts = {
      provider: f.pay_provider!, txnId: f.pay_txn_id!, amountCents: f.pay_amount_cents!, currency: f.pay_currency!, ...(f.pay_account ? { account: f.pay_account } : {}),
    };
    const s = effective.settings;
    if (f.payment_id === paymentId) return answerAgain(f, payment, s, delivery);
    if (f.payment_id !== null || !PAYABLE.includes(f.status)) {
      await flagExtraPayment(db, orderId, paymentId, payment);
      return { outcome: 'extra', payment };
    }

    const afterExpiry = f.status !== 'awaiting_payment';
    const facts = ruleFacts(f, payment, afterExpiry);
    const decision = evaluateRules(facts, s);
    const deliver = decision.action === 'deliver' && f.held_key_ids.length === f.quantity_due;
    const record = { ...decision, facts, settingsVersion: effective.version, evaluatedAt: new Date().toISOString() };
    const { won, keyIds } = await settle(db, orderId, paymentId, deliver ? 'delivering' : 'paid', [f.status], f.held_key_ids.length, f.pay_account, record, [
      ['paid', { provider: payment.provider, txnId: payment.txnId, amountCents: payment.amountCents, paymentId }],
      ['rules_checked', { action: decision.action, reasons: decision.reasons, settingsVersion: effective.version }],
      ...(deliver ? [['delivering', { keyIds: f.held_key_ids }] as [string, Record<string, unknown>]] : []),
    ]);
    // the order or its hold changed between the two statements: read it again
    if (!won) throw new Error(`order ${orderId} changed while its payment was being settled`);
    if (deliver) {
      // the keys are readable now: time since the payment was stored (the database's clock, then this worker's)
      if (f.pay_received_at) paymentToReadable.observe(Math.max(0, Date.now() - f.pay_received_at.getTime()) / 1000);
      return { outcome: 'deliver', payment, quantity: f.quantity, keyIds, ...delivery };
    }
    if (decision.action === 'deliver') return { outcome: 'claim', payment, quantity: f.quantity, ...delivery };
    return { outcome: decision.action, payment, quantity: f.quantity, verdict: verdictOf(s, decision.action, decision.reasons, f.amount_cents), ...delivery };
  }),
});

/** The settle step's latency (kami_settle_seconds), by outcome; `error` when it threw. */
function timed<A extends unknown[]>(step: (...args: A) => Promise<Settlement>): (...args: A) => Promise<Settlement> {
  return async (...args) => {
    const end = settleDuration.startTimer();
    let outcome = 'error';
    try {
      const settled = await step(...args);
      outcome = settled.outcome;
      return settled;
    } finally {
      end({ outcome });
    }
  };
}

/** The settle step already ran for this payment (a retry, or a new run): the stored decision answers. */
function answerAgain(f: SettleFacts, payment: PaymentFacts, s: RuleSettings, delivery: { terms?: DeliveryTerms } & DeliveryExtras): Settlement {
  if (KEYS_READABLE.includes(f.status)) return { outcome: 'deliver', payment, quantity: f.quantity, keyIds: f.sold_key_ids, ...delivery };
  const action = f.rule_decision?.action ?? 'deliver';
  if (action === 'deliver') return { outcome: 'claim', payment, quantity: f.quantity, ...delivery };
  return { outcome: action, payment, quantity: f.quantity, verdict: verdictOf(s, action, (f.rule_decision?.reasons ?? []) as Reason[], f.amount_cents), ...delivery };
}

/**
 * A partner's order tells the workflow how it is delivered, and an order whose buyer is texted says
 * so; a routine retail order carries nothing extra (its history stays as it was).
 */
const deliveryOf = (f: SettleFacts): { terms?: DeliveryTerms } & DeliveryExtras => ({
  ...(f.channel_id === RETAIL_CHANNEL ? {} : { terms: { split: f.split_delivery, emailKeys: f.email_keys } }),
  ...(f.sms ? { sms: true as const } : {}),
  ...(f.device ? { device: true as const } : {}),
});

function ruleFacts(f: SettleFacts, payment: PaymentFacts, afterExpiry: boolean): RuleFacts {
  return {
    quantity: f.quantity,
    amountCents: f.amount_cents,
    currency: f.currency,
    payment: { amountCents: payment.amountCents, currency: payment.currency, afterExpiry },
    identified: f.identified,
    priorPaidOrders: f.prior,
    recentOrders: f.recent,
    recentUnpaid: f.unpaid,
    recentOrdersFromIp: f.from_ip,
    duplicatePaidOrders: f.dup,
    boughtInLimitWindow: f.bought,
    blacklistHits: f.blacklist.map((hit) => {
      const at = hit.indexOf(' ');
      return { kind: hit.slice(0, at) as IdentityKind, value: hit.slice(at + 1) };
    }),
  };
}
